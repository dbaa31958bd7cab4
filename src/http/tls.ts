import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import { mkdirDurably, writeFileDurably } from '../../core/durable-fs.js';

const run = promisify(execFile);

/** The certificate people's HTTPS is served with, and how a person checks it. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 of the DER certificate, colon-separated hex (what browsers and `openssl x509 -fingerprint -sha256` show). */
  fingerprint256: string;
  certPath: string;
  /** True when this start made it (first start without http.tls.certFile). */
  generated: boolean;
  validTo: string;
}

export interface TlsSettings {
  enabled?: boolean;
  certFile?: string;
  keyFile?: string;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host) || /^::ffff:127\./.test(host);
}

/** TLS is on when the config says so, else whenever the listener is reachable from another machine. */
export function tlsEnabled(http: { host: string; tls: TlsSettings }): boolean {
  return http.tls.enabled ?? !isLoopbackHost(http.host);
}

/** Where a generated certificate lives: beside the database, so it survives restarts and upgrades. */
export const tlsDir = (stateDir: string) => join(stateDir, 'tls');

/**
 * The configured certificate (http.tls.certFile + keyFile), or the one in the
 * state dir, made on first start: self-signed ECDSA P-256, ten years, names
 * for this host. Either way the key must match the certificate, or the start
 * fails naming the file.
 */
export async function loadOrCreateTls(stateDir: string, http: { host: string; tls: TlsSettings }): Promise<TlsMaterial> {
  const { certFile, keyFile } = http.tls;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new Error(`http.tls.${certFile ? 'keyFile' : 'certFile'}: give both certFile and keyFile, or neither (a certificate is then generated in ${tlsDir(stateDir)})`);
  }
  if (certFile && keyFile) return material(await readOrSay(certFile, 'http.tls.certFile'), await readOrSay(keyFile, 'http.tls.keyFile'), certFile, false);
  const dir = tlsDir(stateDir);
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const existing = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]).catch(() => undefined);
  if (existing) return material(existing[0], existing[1], certPath, false);
  await mkdirDurably(dir, 0o700);
  const { cert, key } = await generateSelfSigned(dir, subjectNames(http.host));
  // The key first: a certificate without its key would be read back as a broken pair.
  await writeFileDurably(keyPath, key, 0o600);
  await writeFileDurably(certPath, cert, 0o644);
  return material(cert, key, certPath, true);
}

async function readOrSay(path: string, keyPath: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${keyPath} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function material(cert: string, key: string, certPath: string, generated: boolean): TlsMaterial {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new Error(`${certPath}: not a PEM certificate (${(e as Error).message})`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (e) {
    throw new Error(`the key for ${certPath} is not a PEM private key (${(e as Error).message})`);
  }
  if (!matches) throw new Error(`${certPath}: the private key does not belong to this certificate`);
  return { cert, key, fingerprint256: x509.fingerprint256, certPath, generated, validTo: x509.validTo };
}

/** The names a browser will check: this host's name, localhost, and the listen address when it is one. */
export function subjectNames(host: string): string[] {
  const names = new Set<string>(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  const h = hostname();
  if (/^[A-Za-z0-9.-]{1,253}$/.test(h)) names.add(`DNS:${h}`);
  if (isIP(host) && host !== '0.0.0.0' && host !== '::') names.add(`IP:${host}`);
  else if (!isIP(host) && /^[A-Za-z0-9.-]{1,253}$/.test(host)) names.add(`DNS:${host}`);
  return [...names];
}

/**
 * openssl(1) makes the pair: node:crypto makes keys but not certificates, and
 * no maintained X.509 writer is installed; hand-writing DER for the one
 * certificate a controller ever makes is not worth its bugs. Written in a
 * private temp dir, read back, and the caller writes it durably.
 */
async function generateSelfSigned(dir: string, names: string[]): Promise<{ cert: string; key: string }> {
  const tmp = await mkdtemp(join(dir, '.gen-'));
  try {
    const keyOut = join(tmp, 'key.pem');
    const certOut = join(tmp, 'cert.pem');
    try {
      await run(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-sha256', '-days', '3650',
          '-keyout', keyOut, '-out', certOut, '-subj', '/O=Purser/CN=purser cabin controller', '-addext', `subjectAltName=${names.join(',')}`,
          '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=serverAuth'],
        { timeout: 30_000, env: { ...process.env, OPENSSL_CONF: '/dev/null' } },
      );
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      if (err.code === 'ENOENT') throw new Error('http.tls: no certificate configured and openssl(1) is not installed to make one; install openssl or set http.tls.certFile and keyFile');
      throw new Error(`http.tls: openssl could not make a certificate: ${err.stderr?.trim() || err.message}`);
    }
    return { cert: await readFile(certOut, 'utf8'), key: await readFile(keyOut, 'utf8') };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
