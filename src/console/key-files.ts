import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { mkdirDurably, writeFileDurably } from '../../core/durable-fs.js';

export interface KeyPairFiles {
  /** OpenSSH-format private key (PEM text), for ssh2's `hostKeys` / `privateKey`. */
  privateKey: string;
  /** `ssh-ed25519 AAAA... comment`, to pin on the other side or add to its authorized_keys. */
  publicKey: string;
  path: string;
}

/**
 * Loads `<dir>/<name>` (private, 0600) and `<dir>/<name>.pub`, generating an
 * ed25519 pair on first use. Both are written durably, private key first, so
 * a power cut leaves either no key or a complete one: the host key a
 * technician pinned must never change behind their back.
 */
export async function loadOrCreateKeyPair(dir: string, name: string, comment: string): Promise<KeyPairFiles> {
  const path = join(dir, name);
  try {
    const privateKey = await readFile(path, 'utf8');
    const parsed = ssh2.utils.parseKey(privateKey);
    if (parsed instanceof Error) throw new Error(`${path}: ${parsed.message}`);
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    return { privateKey, publicKey: `${key.type} ${key.getPublicSSH().toString('base64')} ${comment}`, path };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdirDurably(dir, 0o700);
  const pair = generateEd25519(comment);
  await writeFileDurably(path, pair.private, 0o600);
  await writeFileDurably(`${path}.pub`, `${pair.public}\n`, 0o644);
  return { privateKey: pair.private, publicKey: pair.public, path };
}

/**
 * An ed25519 pair in OpenSSH format that ssh2 (and OpenSSH) can read back.
 * ssh2's generator (1.x) drops a leading zero byte of the key, writing a
 * 31-byte key about once in a hundred pairs ("Malformed OpenSSH private
 * key", measured: 3 of 300): such a pair is thrown away and made again.
 */
export function generateEd25519(comment: string): { private: string; public: string } {
  for (let i = 0; i < 20; i++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    const priv = ssh2.utils.parseKey(pair.private);
    const pub = ssh2.utils.parseKey(pair.public);
    if (!(priv instanceof Error) && !(pub instanceof Error)) return pair;
  }
  throw new Error('could not generate a well-formed ed25519 key pair');
}
