import type { ChannelPoster } from '../domain/channel-poster.ts';

/**
 * One chat platform: answers `/rbl` through the shared command runtime and posts to channels.
 * `start` connects (Socket Mode, HTTP receiver or gateway) and resolves once commands are being served;
 * `stop` disconnects and releases every socket, timer and port.
 */
export interface ChatAdapter extends ChannelPoster {
  start(): Promise<void>;
  stop(): Promise<void>;
}
