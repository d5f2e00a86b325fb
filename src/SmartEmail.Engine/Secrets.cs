using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace SmartEmail
{
    /// <summary>
    /// The secrets SmartEmail stores in an INI. Encrypted values start with a version prefix, so a plain value typed by
    /// hand is told apart from an encrypted one and both work:
    /// <c>SE1:DPAPI-U:&lt;base64&gt;</c> and <c>SE1:DPAPI-M:&lt;base64&gt;</c> on Windows (DPAPI, user or machine scope);
    /// <c>SE1:AES:&lt;key id&gt;:&lt;base64 of nonce, ciphertext and tag&gt;</c> elsewhere, AES-256-GCM with a random key kept in
    /// <c>~/.config/smartemail/secret.key</c> (mode 0600, never beside the INI).
    /// </summary>
    public static class Secrets
    {
        /// <summary>The prefix of every encrypted value, format version 1.</summary>
        public const string ProtectedPrefix = "SE1:";

        private const string AesTag = "AES:";
        private const string UserTag = "DPAPI-U:";
        private const string MachineTag = "DPAPI-M:";

        /// <summary>Overrides the key file (tests).</summary>
        public static string? KeyFileOverride { get; set; }

        /// <summary>Whether a stored value is one SmartEmail encrypted.</summary>
        public static bool IsProtected(string value) => value.StartsWith(ProtectedPrefix, StringComparison.Ordinal);

        /// <summary>The key file used outside Windows.</summary>
        public static string KeyFile => KeyFileOverride ?? Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is string xdg && xdg.Length != 0 ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"),
            "smartemail", "secret.key");

        /// <summary>Encrypts a value for this user (or, on Windows with LocalMachine, this machine).</summary>
        /// <exception cref="CredentialException">The key file cannot be created or read.</exception>
        public static string Protect(string plain, SecretScope scope = SecretScope.CurrentUser) =>
            ProtectBytes(Encoding.UTF8.GetBytes(plain), scope);

        /// <summary>Encrypts bytes (a token cache, for one) the way <see cref="Protect"/> encrypts text.</summary>
        /// <exception cref="CredentialException">The key file cannot be created or read.</exception>
        public static string ProtectBytes(byte[] bytes, SecretScope scope = SecretScope.CurrentUser)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                var dpapi = scope == SecretScope.LocalMachine ? DataProtectionScope.LocalMachine : DataProtectionScope.CurrentUser;
                return ProtectedPrefix + (scope == SecretScope.LocalMachine ? MachineTag : UserTag) + Convert.ToBase64String(ProtectedData.Protect(bytes, null, dpapi));
            }
            var key = LoadOrCreateKey();
            var nonce = new byte[12];
            using (var rng = RandomNumberGenerator.Create())
                rng.GetBytes(nonce);
            var gcm = new GcmBlockCipher(new AesEngine());
            gcm.Init(true, new AeadParameters(new KeyParameter(key), 128, nonce));
            var output = new byte[gcm.GetOutputSize(bytes.Length)];
            var length = gcm.ProcessBytes(bytes, 0, bytes.Length, output, 0);
            gcm.DoFinal(output, length);
            return ProtectedPrefix + AesTag + KeyId(key) + ":" + Convert.ToBase64String(nonce.Concat(output).ToArray());
        }

        /// <summary>The plain value of a stored one: decrypted when encrypted, as it is when typed by hand.</summary>
        /// <exception cref="CredentialException">The value cannot be decrypted here, with what to do about it.</exception>
        public static string Unprotect(string stored) =>
            IsProtected(stored) ? Encoding.UTF8.GetString(UnprotectBytes(stored)) : stored;

        /// <summary>The bytes <see cref="ProtectBytes"/> encrypted.</summary>
        /// <param name="stored">The encrypted value.</param>
        /// <param name="rerun">What to do when it cannot be decrypted; by default, run Set-SmartEmailCredential again.</param>
        /// <exception cref="CredentialException">The value cannot be decrypted here, with what to do about it.</exception>
        public static byte[] UnprotectBytes(string stored, string? rerun = null)
        {
            if (!IsProtected(stored))
                throw new CredentialException(CredentialErrorKind.Damaged, "The value is not one SmartEmail encrypted.");
            var body = stored.Substring(ProtectedPrefix.Length);
            rerun ??= "Run Set-SmartEmailCredential again, as the account that runs the job, on this machine.";
            try
            {
                if (body.StartsWith(UserTag, StringComparison.Ordinal) || body.StartsWith(MachineTag, StringComparison.Ordinal))
                {
                    if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                        throw new CredentialException(CredentialErrorKind.Undecryptable, $"This value was encrypted with Windows DPAPI and cannot be decrypted on this platform. {rerun}");
                    var machine = body.StartsWith(MachineTag, StringComparison.Ordinal);
                    var data = Convert.FromBase64String(body.Substring((machine ? MachineTag : UserTag).Length));
                    return ProtectedData.Unprotect(data, null, machine ? DataProtectionScope.LocalMachine : DataProtectionScope.CurrentUser);
                }
                if (body.StartsWith(AesTag, StringComparison.Ordinal))
                {
                    var parts = body.Substring(AesTag.Length).Split(new[] { ':' }, 2);
                    if (parts.Length != 2)
                        throw new FormatException("missing key id");
                    if (!File.Exists(KeyFile))
                        throw new CredentialException(CredentialErrorKind.Undecryptable, $"This value was encrypted with a key that is not on this machine for this user ({KeyFile} is missing). {rerun}");
                    var key = LoadOrCreateKey();
                    if (!string.Equals(parts[0], KeyId(key), StringComparison.Ordinal))
                        throw new CredentialException(CredentialErrorKind.Undecryptable, $"This value was encrypted with another key than {KeyFile} (another user or machine, or a lost key). {rerun}");
                    var data = Convert.FromBase64String(parts[1]);
                    var gcm = new GcmBlockCipher(new AesEngine());
                    gcm.Init(false, new AeadParameters(new KeyParameter(key), 128, data.Take(12).ToArray()));
                    var output = new byte[gcm.GetOutputSize(data.Length - 12)];
                    var length = gcm.ProcessBytes(data, 12, data.Length - 12, output, 0);
                    length += gcm.DoFinal(output, length);
                    return length == output.Length ? output : output.Take(length).ToArray();
                }
                throw new FormatException("unknown kind");
            }
            catch (Exception e) when (e is FormatException || e is CryptographicException || e is Org.BouncyCastle.Crypto.InvalidCipherTextException)
            {
                throw new CredentialException(CredentialErrorKind.Damaged, $"An encrypted value is damaged or was not written by SmartEmail ({e.Message}). {rerun}", e);
            }
        }

        /// <summary>The plain value, or null when it cannot be decrypted here.</summary>
        public static string? TryUnprotect(string stored)
        {
            try
            {
                return Unprotect(stored);
            }
            catch (SmartEmailException)
            {
                return null;
            }
        }

        private static string KeyId(byte[] key)
        {
            using (var sha = SHA256.Create())
                return BitConverter.ToString(sha.ComputeHash(key), 0, 4).Replace("-", string.Empty).ToLowerInvariant();
        }

        private static byte[] LoadOrCreateKey()
        {
            var path = KeyFile;
            try
            {
                if (File.Exists(path))
                {
                    var existing = File.ReadAllBytes(path);
                    if (existing.Length != 32)
                        throw new CredentialException(CredentialErrorKind.KeyFileFailed, $"The key file {path} is damaged (it must hold 32 bytes).");
                    return existing;
                }
                var folder = Path.GetDirectoryName(path)!;
                Directory.CreateDirectory(folder);
                SetMode(folder, 0x1C0); // 0700
                var key = new byte[32];
                using (var rng = RandomNumberGenerator.Create())
                    rng.GetBytes(key);
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    SetMode(path, 0x180); // 0600, before the key is in it
                    stream.Write(key, 0, key.Length);
                    stream.Flush(flushToDisk: true);
                }
                return key;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new CredentialException(CredentialErrorKind.KeyFileFailed, $"Cannot read or create the key file {path}: {e.Message}", e);
            }
        }

        /// <summary>
        /// Sets Unix permission bits. File.SetUnixFileMode exists from .NET 7 (PowerShell 7.4+); this assembly targets
        /// netstandard2.0, so it is found by reflection. Without it (an older runtime) the key file keeps the umask's mode.
        /// </summary>
        internal static void SetMode(string path, int mode)
        {
            var modeType = Type.GetType("System.IO.UnixFileMode");
            var method = modeType == null ? null : typeof(File).GetMethod("SetUnixFileMode", new[] { typeof(string), modeType });
            method?.Invoke(null, new[] { path, Enum.ToObject(modeType!, mode) });
        }
    }
}
