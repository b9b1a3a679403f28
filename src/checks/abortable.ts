/**
 * `promise`, or a rejection with the signal's reason as soon as `signal` aborts, whichever comes first.
 *
 * The work behind `promise` is not stopped, only no longer waited for: the caller ends it (closing the resolver
 * ends every DNS question in flight). That is what lets Ctrl-C stop a command at once instead of after the
 * questions it was waiting for time out.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  // The abandoned work may still fail later; that is nobody's concern any more.
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
