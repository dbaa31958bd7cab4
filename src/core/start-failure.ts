/**
 * A start that retrying cannot mend: a configured port another process holds,
 * one we may not bind. At the first start it fails the whole start (issue 15:
 * "exit non-zero within a few seconds, naming the config key"), even for a
 * supervised service; once a service has been up, the same error is retried
 * with backoff like any other.
 */
export class StartFailure extends Error {
  override readonly name = 'StartFailure';
  constructor(
    /** The config key to blame (`tftp.port`). */
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/** The controller was stopped before its start finished: not a failure, nothing is left running. */
export class StoppedWhileStarting extends Error {
  override readonly name = 'StoppedWhileStarting';
  constructor() {
    super('stopped while starting');
  }
}

/**
 * A bind error on a configured port as the operator should read it
 * (`tftp.port 6969: address 127.0.0.1:6969 is in use`); other errors are
 * returned as they are.
 */
export function bindFailure(err: unknown, key: string, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (code === 'EADDRINUSE') return new StartFailure(key, `${key} ${port}: address ${where} is in use`);
  if (code === 'EACCES') return new StartFailure(key, `${key} ${port}: not allowed to listen there (a port under 1024 needs CAP_NET_BIND_SERVICE)`);
  if (code === 'EADDRNOTAVAIL') return new StartFailure(key.replace(/port$/, 'host'), `${key.replace(/port$/, 'host')} ${host}: not an address of this machine`);
  return err;
}
