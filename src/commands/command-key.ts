import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { loadOrCreateSecret } from '../store/secret-file.js';

export interface CommandKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * The controller's Ed25519 command key, generated on first start into the state
 * dir (PKCS#8 PEM, mode 0600). Seats are provisioned with the public half from
 * GET /seat/v1/identity.
 */
export async function loadCommandKeys(path: string): Promise<CommandKeys> {
  const { value } = await loadOrCreateSecret(path, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const privateKey = createPrivateKey(value);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 private key`);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
