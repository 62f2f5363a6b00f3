import type { IncomingMessage, Server } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';

/** What graphql-ws's context carries about the socket, as in graphql-ws's own `use/ws`. */
export interface SocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
}

/** RFC 6455 "try again later": the client reads too slowly and its messages were piling up here. */
export const CLOSE_SLOW_CONSUMER = 1013;

export interface TransportOptions {
  server: Server;
  path: string;
  /** The largest message read; a larger frame is refused from its header, unread (close 1009). */
  maxPayload: number;
  /** A ping this often; a socket that did not answer the last one by the next is cut. */
  keepAliveMs: number;
  /** Bytes waiting to be sent to one socket past which it is closed instead of buffered on. */
  maxBufferedBytes: number;
  logger: Logger;
}

/**
 * graphql-ws's protocol (its `makeServer`) over `ws`, in place of graphql-ws's `use/ws` adapter:
 * the same wiring, plus what that adapter leaves open to abuse. Messages are bounded in size (ws's
 * default is 100 MiB, read before `connection_init`), slow consumers are closed rather than
 * buffered on without end, and socket errors go to our logger at debug level instead of
 * `console.error` (a client can cause them at will). The HTTP server's own errors, which ws
 * re-emits, are left to whoever listens (src/server.ts reports a busy port once).
 */
export function serveGraphqlWs<E extends SocketExtra>(
  options: ServerOptions<Record<string, unknown>, E>,
  extraOf: (base: SocketExtra) => E,
  transport: TransportOptions,
): { close(): Promise<void> } {
  const { logger } = transport;
  const wss = new WebSocketServer({
    server: transport.server,
    path: transport.path,
    maxPayload: transport.maxPayload,
    handleProtocols,
  });
  // Re-emitted errors of the HTTP server (e.g. a busy port): the gateway's listen reports them.
  wss.on('error', () => {});
  const graphqlWs = makeServer(options);

  wss.on('connection', (socket, request) => {
    // ws closes the socket itself (1009 too large, 1002 protocol error); this only records why.
    socket.on('error', (error) => logger.debug({ err: error }, 'websocket: client error'));
    let answered = true;
    const keepAlive = setInterval(() => {
      if (!answered) {
        socket.terminate();
        return;
      }
      answered = false;
      socket.ping();
    }, transport.keepAliveMs);
    socket.on('pong', () => {
      answered = true;
    });
    const closed = graphqlWs.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          if (socket.readyState !== socket.OPEN) return Promise.resolve();
          if (socket.bufferedAmount > transport.maxBufferedBytes) {
            logger.info(
              { buffered: socket.bufferedAmount },
              'websocket: closed a client that reads too slowly',
            );
            socket.close(CLOSE_SLOW_CONSUMER, 'Messages are piling up: read faster or subscribe to less');
            return Promise.resolve();
          }
          // Not waiting for the flush: what a slow reader leaves unsent shows in bufferedAmount above.
          socket.send(data, (error) => {
            if (error) logger.debug({ err: error }, 'websocket: send failed');
          });
          return Promise.resolve();
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (message: Buffer | ArrayBuffer | Buffer[]) => {
            const text = Array.isArray(message)
              ? Buffer.concat(message).toString()
              : Buffer.from(message as ArrayBuffer).toString();
            handle(text).catch((error: unknown) => {
              logger.error({ err: error }, 'websocket: handling a message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      extraOf({ socket, request }),
    );
    socket.once('close', (code, reason) => {
      clearInterval(keepAlive);
      closed(code, reason.toString()).catch((error: unknown) =>
        logger.error({ err: error }, 'websocket: closing an operation failed'),
      );
    });
  });

  return {
    close: async () => {
      for (const client of wss.clients) client.close(1001, 'Going away');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
