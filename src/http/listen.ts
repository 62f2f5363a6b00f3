import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listener that could not start, named by the setting that chose its port: one line for the operator. */
export class ListenError extends Error {
  readonly code = 'LISTEN_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}

function reasonOf(error: unknown, where: string): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === 'EADDRINUSE') return `${where} is already in use; stop what holds it or choose another port`;
  if (code === 'EACCES') return `${where} needs privileges this process lacks; choose a port above 1023`;
  if (code === 'EADDRNOTAVAIL') return `${where} is not an address of this machine; check the host setting`;
  return `cannot listen on ${where} (${typeof code === 'string' ? code : String(error)})`;
}

/**
 * Listens on `host:port`, or fails with a ListenError naming `variable` (`PORT=4000: 127.0.0.1:4000
 * is already in use; …`). Resolves to the address bound (the real port when `port` is 0).
 */
export async function listenOn(
  server: Server,
  host: string,
  port: number,
  variable: string,
): Promise<AddressInfo> {
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new ListenError(`${variable}=${port}: ${reasonOf(error, `${host}:${port}`)}`);
  }
  return server.address() as AddressInfo;
}
