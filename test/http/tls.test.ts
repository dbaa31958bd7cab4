import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { startTestController, type TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const TLS_ON = { host: '127.0.0.1', port: 0, tls: { enabled: true, port: 0 } };

/** curl(1) over real TLS, trusting only the given certificate: status and body. */
async function curl(url: string, args: string[] = []): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '10', '-o', '-', '-w', '\n%{http_code}', ...args, url]);
  const i = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) };
}

/** What the controller says of its listeners (the `http:listeners` entity, as the panel shows it). */
function listeners(tc: TestController): { url: string; seatUrl: string; sha256?: string } {
  return tc.controller.ctx.entities.get('http:listeners')!.attributes as never;
}
const seatUrlOf = (tc: TestController) => listeners(tc).seatUrl;

describe('HTTPS for people, plain HTTP for seats', () => {
  let tc: TestController;
  let seatUrl: string;
  let certPath: string;
  before(async () => {
    tc = await startTestController({ http: TLS_ON });
    certPath = join(tc.stateDir, 'tls', 'cert.pem');
    // The seat listener is http.port; the controller's url is the people's (https).
    seatUrl = seatUrlOf(tc);
  });
  after(() => tc.stop());

  it('made a self-signed ECDSA P-256 certificate in the state dir, the key readable by the owner only', async () => {
    assert.match(tc.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const x = new X509Certificate(await readFile(certPath));
    assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.match(x.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.equal((await stat(join(tc.stateDir, 'tls', 'key.pem'))).mode & 0o777, 0o600);
    // The fingerprint a person compares is openssl's, byte for byte.
    const { stdout } = await run('openssl', ['x509', '-in', certPath, '-noout', '-fingerprint', '-sha256']);
    assert.equal(stdout.trim().split('=')[1], listeners(tc).sha256);
  });

  it('serves the API over HTTPS to curl trusting that certificate, with a Secure session cookie; refuses curl without it', async () => {
    const ok = await curl(`${tc.url}/api/v1/health`, ['--cacert', certPath]);
    assert.equal(ok.status, 200, ok.body);
    assert.equal(JSON.parse(ok.body).status, 'ok');
    await assert.rejects(curl(`${tc.url}/api/v1/health`), /certificate/i);
  });

  it('answers a signed seat poll over plain HTTP on http.port', async () => {
    assert.match(seatUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const { status, body } = await postPoll(seatUrl, pollBody('4D'));
    assert.ok(status === 200 || status === 409, JSON.stringify(body));
    const viaCurl = await curl(`${seatUrl}/seat/v1/firmware-key`);
    assert.ok(viaCurl.status === 404 || viaCurl.status === 200, 'seat paths are routed on the plain port');
  });

  it('refuses people’s routes over plain HTTP: the API with 403 HTTPS_REQUIRED (never a redirect after a token went in the clear), pages with 308 to https', async () => {
    const api = await curl(`${seatUrl}/api/v1/seats`, ['-H', 'authorization: Bearer whatever-token-here']);
    assert.equal(api.status, 403);
    assert.equal(JSON.parse(api.body).error.code, 'HTTPS_REQUIRED');
    const post = await curl(`${seatUrl}/api/v1/session`, ['-X', 'POST', '-H', 'content-type: application/json', '-d', '{"pin":"1234"}']);
    assert.equal(post.status, 403);
    const page = await curl(`${seatUrl}/panel/`, ['-D', '-']);
    assert.equal(page.status, 308);
    const https = new URL(tc.url);
    assert.match(page.body, new RegExp(`location: https://127\\.0\\.0\\.1:${https.port}/panel/`, 'i'));
  });

  it('keeps its certificate across restarts: the fingerprint a person noted stays true', async () => {
    const before = listeners(tc).sha256;
    const mtime = (await stat(certPath)).mtimeMs;
    await tc.stop({ keepState: true });
    tc = await startTestController({ http: TLS_ON }, [], tc.stateDir);
    seatUrl = seatUrlOf(tc);
    assert.equal(listeners(tc).sha256, before);
    assert.equal((await stat(certPath)).mtimeMs, mtime, 'not rewritten');
  });
});

describe('a certificate from config', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'purser-tls-'));
    for (const n of ['a', 'b']) {
      await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-keyout', join(dir, `${n}.key`), '-out', join(dir, `${n}.crt`), '-subj', '/CN=cabin.test', '-addext', 'subjectAltName=IP:127.0.0.1'], { env: { ...process.env, OPENSSL_CONF: '/dev/null' } });
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is served as given, and none is generated', async () => {
    const tc = await startTestController({ http: { ...TLS_ON, tls: { enabled: true, port: 0, certFile: join(dir, 'a.crt'), keyFile: join(dir, 'a.key') } } });
    try {
      const r = await curl(`${tc.url}/api/v1/health`, ['--cacert', join(dir, 'a.crt')]);
      assert.equal(r.status, 200);
      await assert.rejects(stat(join(tc.stateDir, 'tls')));
    } finally {
      await tc.stop();
    }
  });

  it('a key that is not the certificate’s, or only one of the two, fails the start naming the key path', async () => {
    await assert.rejects(startTestController({ http: { ...TLS_ON, tls: { enabled: true, port: 0, certFile: join(dir, 'a.crt'), keyFile: join(dir, 'b.key') } } }), /does not belong to this certificate/);
    await assert.rejects(startTestController({ http: { ...TLS_ON, tls: { enabled: true, port: 0, certFile: join(dir, 'a.crt') } } }), /http\.tls\.keyFile/);
    await assert.rejects(startTestController({ http: { ...TLS_ON, tls: { enabled: true, port: 0, certFile: join(dir, 'missing.crt'), keyFile: join(dir, 'a.key') } } }), /http\.tls\.certFile .*ENOENT/);
  });
});

it('`purser run` prints the https URL and the certificate fingerprint', { timeout: 40_000 }, async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), 'purser-tls-run-'));
  const cfg = join(stateDir, 'c.yaml');
  await writeFile(cfg, stringify({ stateDir, http: TLS_ON, tftp: { port: 0 }, console: { port: 0 } }));
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'run', '--config', cfg], { cwd: ROOT, env: { ...process.env, PURSER_LOG_LEVEL: 'info', NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  t.after(async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      process.kill(-proc.pid!, 'SIGTERM');
      await exited;
    }
    await rm(stateDir, { recursive: true, force: true });
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start in 30 s: ${out}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/listening on https:\/\//.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
  const { stdout } = await run('openssl', ['x509', '-in', join(stateDir, 'tls', 'cert.pem'), '-noout', '-fingerprint', '-sha256']);
  assert.ok(out.includes(stdout.trim().split('=')[1]!), `fingerprint not in the output:\n${out.slice(0, 2000)}`);
});

