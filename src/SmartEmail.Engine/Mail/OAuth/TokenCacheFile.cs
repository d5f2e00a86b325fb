using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using Microsoft.Identity.Client;

namespace SmartEmail.Mail.OAuth
{
    /// <summary>
    /// MSAL's token cache (accounts, refresh tokens, app tokens) kept in one file per user, encrypted like the INI's
    /// secrets (DPAPI on Windows, AES-256-GCM with the user's key elsewhere), mode 0600, replaced atomically.
    /// </summary>
    internal sealed class TokenCacheFile
    {
        /// <summary>Entra's refresh tokens live 90 days from their last use unless a policy says otherwise.</summary>
        internal static readonly TimeSpan DefaultRefreshTokenLifetime = TimeSpan.FromDays(90);

        private readonly object _gate = new object();
        private Contents _contents = new Contents();

        public TokenCacheFile(string path)
        {
            Path = path;
        }

        public string Path { get; }

        /// <summary>Why the file could not be read, or null.</summary>
        public string? ReadError { get; private set; }

        public Dictionary<string, AccountRecord> Accounts => _contents.Accounts;

        /// <summary>
        /// Persists both of an application's caches in this file. App tokens are kept with a fingerprint of the credential
        /// that got them (<paramref name="appKey"/>): MSAL keys them by client and tenant only, so a changed or wrong
        /// secret would otherwise go unnoticed until the cached token expired.
        /// </summary>
        public void Attach(ITokenCache userCache, ITokenCache? appCache, string? appKey = null)
        {
            userCache.SetBeforeAccess(args => { Load(); if (_contents.User != null) args.TokenCache.DeserializeMsalV3(_contents.User); });
            userCache.SetAfterAccess(args => { if (args.HasStateChanged) { lock (_gate) _contents.User = args.TokenCache.SerializeMsalV3(); Save(); } });
            if (appCache == null)
                return;
            appCache.SetBeforeAccess(args =>
            {
                Load();
                if (_contents.App != null && _contents.AppKey == appKey)
                    args.TokenCache.DeserializeMsalV3(_contents.App);
            });
            appCache.SetAfterAccess(args =>
            {
                if (!args.HasStateChanged)
                    return;
                lock (_gate)
                {
                    _contents.App = args.TokenCache.SerializeMsalV3();
                    _contents.AppKey = appKey;
                }
                Save();
            });
        }

        /// <summary>Reads the file again (another process may have refreshed since).</summary>
        public void Load()
        {
            lock (_gate)
            {
                ReadError = null;
                if (!File.Exists(Path))
                {
                    _contents = new Contents();
                    return;
                }
                try
                {
                    var text = File.ReadAllText(Path, Encoding.ASCII).Trim();
                    var json = Secrets.UnprotectBytes(text, "Sign in again with Request-SmartEmailToken, as the account that runs the job, on this machine.");
                    _contents = JsonSerializer.Deserialize<Contents>(json) ?? new Contents();
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is SmartEmailException || e is JsonException)
                {
                    ReadError = $"The token cache {Path} cannot be read by this account: {e.Message}";
                    _contents = new Contents();
                }
            }
        }

        /// <summary>Writes the file: a temporary file made private before anything is in it, then renamed over the old one.</summary>
        public void Save()
        {
            lock (_gate)
            {
                var folder = System.IO.Path.GetDirectoryName(Path)!;
                try
                {
                    if (!Directory.Exists(folder))
                    {
                        Directory.CreateDirectory(folder);
                        Secrets.SetMode(folder, 0x1C0); // 0700
                    }
                    var text = Secrets.ProtectBytes(JsonSerializer.SerializeToUtf8Bytes(_contents));
                    AtomicFile.Write(Path, Encoding.ASCII.GetBytes(text), mode: 0x180); // 0600, before the tokens are in it
                    AtomicFile.RemoveStaleTemporaryFiles(Path);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw new SmartEmailException($"Cannot write the token cache {Path}: {e.Message}", e);
                }
            }
        }

        /// <summary>Records a token the identity provider issued for an account.</summary>
        public void Record(AuthenticationResult result, bool signedIn, DateTimeOffset now)
        {
            if (result.Account == null)
                return;
            lock (_gate)
            {
                var id = result.Account.HomeAccountId?.Identifier ?? result.Account.Username;
                if (!_contents.Accounts.TryGetValue(id, out var record))
                    _contents.Accounts[id] = record = new AccountRecord { SignedIn = now };
                record.Username = result.Account.Username;
                if (signedIn)
                    record.SignedIn = now;
                record.Refreshed = now;
                record.RefreshTokenExpires = result.AdditionalResponseParameters != null
                    && result.AdditionalResponseParameters.TryGetValue("refresh_token_expires_in", out var text)
                    && long.TryParse(text, out var seconds) && seconds > 0 ? now.AddSeconds(seconds) : (DateTimeOffset?)null;
            }
            Save();
        }

        /// <summary>The record of an account, or null.</summary>
        public AccountRecord? RecordOf(IAccount account)
        {
            lock (_gate)
                return _contents.Accounts.TryGetValue(account.HomeAccountId?.Identifier ?? account.Username, out var record) ? record : null;
        }

        /// <summary>Forgets an account's record.</summary>
        public void Forget(IAccount account)
        {
            lock (_gate)
                _contents.Accounts.Remove(account.HomeAccountId?.Identifier ?? account.Username);
        }

        /// <summary>When the refresh token of an account is expected to end: as announced, or 90 days after its last use.</summary>
        public static DateTimeOffset? RefreshTokenExpiry(AccountRecord? record) =>
            record == null ? (DateTimeOffset?)null : record.RefreshTokenExpires ?? record.Refreshed + DefaultRefreshTokenLifetime;

        private sealed class Contents
        {
            public int Version { get; set; } = 1;
            public byte[]? User { get; set; }
            public byte[]? App { get; set; }
            public string? AppKey { get; set; }
            public Dictionary<string, AccountRecord> Accounts { get; set; } = new Dictionary<string, AccountRecord>(StringComparer.Ordinal);
        }
    }
}
