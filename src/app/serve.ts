import { commandRegistry } from '../../commands/index.ts';
import { createReportScheduler } from '../alerts/report-schedule.ts';
import { createChatAdapters } from '../chat/create-chat-adapters.ts';
import type { AppConfig } from '../config/app-config.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { startHttpServer } from '../http/http-server.ts';
import type { Logger } from '../log.ts';
import { loadReport } from '../reports/load-report.ts';
import { createScanScheduler, SKIP_BUSY, SKIP_STOPPED } from '../scheduler/scan-scheduler.ts';
import { createCommandServices, openAlerting, openRuntime } from './runtime.ts';
import { createServeHealth } from './serve-health.ts';
import { createShutdownStack } from './shutdown-stack.ts';

/**
 * A start-up failure as one line for the operator: what could not be started and why, never a stack trace. Errors
 * that already speak to people (coded errors) pass through; listen errors name the address and the way out.
 */
export function describeStartFailure(step: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  const hint = code === 'EADDRINUSE' ? ' (another program holds that port; choose another one)' : '';
  return new AppError(ErrorCode.START_FAILED, `could not start ${step}: ${detail}${hint}`, { cause: error });
}

/** A listen error (EADDRINUSE, EACCES, EADDRNOTAVAIL) on `host:port` as a sentence with the way out. */
export function describeListenFailure(what: string, host: string, port: number, error: unknown): AppError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host}:${port}`;
  const message =
    code === 'EADDRINUSE'
      ? `${what}: port ${port} on ${host} is in use (another rblwatch serve, or another program?); choose another port`
      : code === 'EACCES'
        ? `${what}: not allowed to listen on ${where} (ports below 1024 need privileges); choose a port above 1024`
        : code === 'EADDRNOTAVAIL'
          ? `${what}: ${host} is not an address of this machine`
          : `${what}: cannot listen on ${where}: ${error instanceof Error ? error.message : String(error)}`;
  return new AppError(ErrorCode.START_FAILED, message, { cause: error });
}

/**
 * `rblwatch serve`: scan on schedule until SIGTERM or SIGINT, serve /healthz and /metrics when configured, then
 * finish (or abandon, on a second signal) the scan in flight and close everything.
 *
 * Start-up either starts or cleans up: each part is registered on one shutdown stack as soon as it is open, the HTTP
 * port is bound before chat connects (a taken port must not leave chat sockets behind), and a failure at any step
 * closes what was opened, last first, then rejects with one coded, one-line reason.
 * @returns once stopped
 */
export async function serve(config: AppConfig, log: Logger): Promise<void> {
  for (const warning of config.warnings) log.warn(warning);
  const stack = createShutdownStack(log);
  let step = 'the store';
  const health = createServeHealth();
  try {
    const runtime = await openRuntime(config, log);
    stack.push('store', () => runtime.close());

    step = 'the HTTP server';
    const http = config.http
      ? await startHttpServer({
          port: config.http.port,
          host: config.http.host,
          metrics: runtime.metrics,
          health: () => health.report(),
          onError: (error) => log.error({ err: error }, 'http server error'),
        }).catch((error: unknown) => {
          throw describeListenFailure(
            '/healthz and /metrics',
            config.http?.host ?? '',
            config.http?.port ?? 0,
            error,
          );
        })
      : undefined;
    if (http) stack.push('http', () => http.close());

    // Chat commands can ask for a scan; the scheduler that runs it is built below.
    let scheduler: ReturnType<typeof createScanScheduler> | undefined;
    const services = createCommandServices(runtime, {
      scans: { runNow: (by) => scheduler?.runNow(by) ?? Promise.resolve('stopped') },
    });
    step = 'chat';
    // Each platform's SDK is loaded only when that platform is configured: Bolt and discord.js are large.
    const chat = await createChatAdapters(config.chat, commandRegistry, services, log);
    step = 'alerts';
    const alerts = await openAlerting(runtime, log, Object.fromEntries(chat.byPlatform));
    // Sends in flight are cancelled; what is still queued waits in the store for the next start.
    stack.push('alerts', () => alerts.close());
    const { alerting } = alerts;
    for (const adapter of chat.all) {
      step = `${adapter.platform} chat`;
      // Registered before it starts: a start that fails half-way may already hold a socket.
      stack.push(`${adapter.platform} chat`, () => adapter.stop());
      // A bad token or a missing scope stops the start here, with the platform's answer, rather than later in a log.
      await adapter.start();
    }
    if (chat.all.length === 0) {
      log.info(
        'no chat: set SLACK_BOT_TOKEN or DISCORD_TOKEN (see README, Chat) for /rbl commands and channel alerts',
      );
    } else {
      log.info(
        { platforms: chat.all.map((adapter) => adapter.platform) },
        'chat connected: /rbl commands are answered',
      );
    }

    /** Once per process: the alarm stands until a restart, and one notice says so. */
    const raiseStoreReset = async (message: string): Promise<void> => {
      if (health.hasAlarm('store-reset')) return;
      health.setAlarm('store-reset', message);
      const pages = alerting.knownPages();
      const at = new Date().toISOString();
      try {
        await alerting.route([
          {
            id: `store-reset:${at}`,
            kind: 'store-reset',
            at,
            severity: 'critical',
            detail:
              pages.length === 0
                ? message
                : `${message}. ${pages.length} page(s) were open and may need closing by hand: ` +
                  pages.slice(0, 20).join(', '),
          },
        ]);
      } catch (routeError) {
        log.error({ err: routeError }, 'could not queue the store-reset notice');
      }
    };

    step = 'the scheduler';
    const scans = createScanScheduler({
      schedule: config.schedule.cron,
      ...(config.schedule.timezone ? { timezone: config.schedule.timezone } : {}),
      jitterMs: config.schedule.jitterMs,
      run: async (trigger, signal) => {
        const scanLog = log.child({ trigger: trigger.kind });
        scanLog.info('scan started');
        health.scanStarted(new Date());
        try {
          const { run } = await runtime.scan({ signal, publisher: alerting });
          health.scanFinished(run);
          scanLog[run.status === 'completed' ? 'info' : 'warn'](
            {
              runId: run.id,
              status: run.status,
              lookups: run.lookups,
              listed: run.listed,
              unknown: run.unknown,
              events: run.events,
              ...(run.error ? { error: run.error } : {}),
            },
            `scan ${run.status}`,
          );
        } catch (error) {
          if (error instanceof AppError && error.code === ErrorCode.SCAN_BUSY) {
            // Another process (a cron `rblwatch scan`) holds the store's scan: not a failure, a skipped tick.
            scanLog.warn(`scan skipped: ${error.message}`);
            health.scanYielded();
            runtime.metrics.recordSkippedTick('busy');
            return;
          }
          health.scanErrored(error);
          if (error instanceof AppError && error.code === ErrorCode.STORE_RESET) {
            await raiseStoreReset(error.message);
          }
          throw error;
        }
      },
      onSkip: (trigger, reason) => {
        log.warn({ trigger: trigger.kind }, `scan skipped: ${reason}`);
        if (trigger.kind !== 'schedule' || reason === SKIP_STOPPED) return;
        const label = reason === SKIP_BUSY ? 'busy' : 'missed';
        health.tickSkipped(label);
        runtime.metrics.recordSkippedTick(label);
      },
      onError: (error) => log.error({ err: error }, 'scan failed'),
    });
    scheduler = scans;
    stack.push('scheduler', () => scans.stop());
    const reports = createReportScheduler({
      reports: config.alerts.reports,
      ...(config.schedule.timezone ? { timezone: config.schedule.timezone } : {}),
      build: () => loadReport(services),
      outbox: alerting.outbox,
      log: log.child({ component: 'reports' }),
    });
    stack.push('reports', () => reports.stop());
    if (http) log.info({ url: http.url }, 'serving /healthz and /metrics');
    scans.start();
    alerting.outbox.start();
    reports.start();
    log.info(
      {
        store: config.store.display,
        schedule: config.schedule.cron,
        zones: runtime.catalog.zones.length,
        next: scans.nextRun()?.toISOString() ?? null,
      },
      'rblwatch serving: scans run on schedule',
    );
    const destinations = config.alerts.destinations.map(
      (destination) => `${destination.name} (${destination.type})`,
    );
    if (destinations.length === 0) {
      log.warn(
        'no alert destinations are configured: listings are recorded and logged only (see README, Alerts)',
      );
    } else {
      log.info(
        { destinations, routes: config.alerts.routes.length },
        'alerts go to the configured destinations',
      );
    }
    // A first scan right away, so a fresh install shows results without waiting for the schedule.
    void scans.runNow('startup');
    await waitForStop(log, () => void scans.stop({ abort: true }));
  } catch (error) {
    await stack.closeAll();
    throw describeStartFailure(step, error);
  }
  await stack.closeAll();
  log.info('stopped');
}

/**
 * Resolves at the first SIGTERM or SIGINT; a second one abandons the scan in flight (`abandon`), since the first
 * lets it finish.
 */
function waitForStop(log: Logger, abandon: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal: abandoning the scan in flight');
        abandon();
        return;
      }
      stopping = true;
      log.info({ signal }, 'stopping: letting the scan in flight finish (send again to abandon it)');
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
