// What older versions of the app kept with Electron safeStorage (the OS keychain), in secrets.json: still
// read after the local secret store (which the app now shares with the CLI and the browser host), so
// those secrets keep working. On Linux without a keyring, safeStorage would "encrypt" with a hard-coded
// key: refuse that.
import { safeStorage } from 'electron';
import { EncryptedFileSecretStore, type Encryptor } from '../store/secret-store';

export function safeStorageEncryptor(platform = process.platform): Encryptor {
  const plainTextBackend = () => platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text';
  return {
    isEncryptionAvailable: () => safeStorage.isEncryptionAvailable() && !plainTextBackend(),
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (cipher) => safeStorage.decryptString(cipher),
  };
}

export function appSecretStore(home: string): EncryptedFileSecretStore {
  return new EncryptedFileSecretStore(home, safeStorageEncryptor());
}
