using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.Extensibility;
using SmartEmail.Ini;

namespace SmartEmail.Mail.OAuth
{
    /// <summary>
    /// Office 365 tokens through MSAL: client credentials (secret or certificate) for app-only access, or a signed-in
    /// user's refresh token from the encrypted per-user cache, refreshed silently on every run.
    /// </summary>
    public sealed class MsalTokenProvider : IOAuthTokenSource
    {
        /// <summary>A run warns when the stored sign-in ends within this time.</summary>
        public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(7);

        private readonly TokenCacheFile _cache;
        private readonly TimeSpan _timeout;
        private IConfidentialClientApplication? _confidential;
        private IPublicClientApplication? _public;

        /// <summary>Creates the provider; nothing is read or asked yet.</summary>
        public MsalTokenProvider(MsalSettings settings, TimeSpan timeout)
        {
            Settings = settings;
            _timeout = timeout;
            _cache = new TokenCacheFile(settings.CachePath);
        }

        /// <summary>The settings.</summary>
        public MsalSettings Settings { get; }

        /// <inheritdoc/>
        public string Refused(string where, string userName) => EntraErrors.MailServerRefused(Settings, where, userName);

        /// <inheritdoc/>
        public OAuthToken GetToken(bool forceRefresh, CancellationToken cancellationToken) => GetToken(Settings.Scopes, forceRefresh, cancellationToken);

        /// <summary>
        /// Where notices get their SMTP token (XOAUTH2): the same app registration, sign-in and cache, with
        /// <see cref="MsalSettings.SmtpScopes"/>.
        /// </summary>
        public IOAuthTokenSource ForSmtp() => new SmtpTokenSource(this);

        /// <inheritdoc/>
        public string UserName => Settings.User;

        private OAuthToken GetToken(string[] scopes, bool forceRefresh, CancellationToken cancellationToken)
        {
            if (Settings.Mode == OAuthMode.AppOnly)
            {
                var result = Execute(t => Confidential().AcquireTokenForClient(scopes).WithForceRefresh(forceRefresh).ExecuteAsync(t), cancellationToken);
                return new OAuthToken(result.AccessToken, Settings.User, result.AuthenticationResultMetadata.TokenSource == TokenSource.Cache, result.ExpiresOn, null);
            }
            var app = Public(null, saved: true);
            var account = FindAccount(app, cancellationToken);
            var silent = Execute(t => app.AcquireTokenSilent(scopes, account).WithForceRefresh(forceRefresh).ExecuteAsync(t), cancellationToken);
            var now = DateTimeOffset.UtcNow;
            if (silent.AuthenticationResultMetadata.TokenSource != TokenSource.Cache)
                _cache.Record(silent, signedIn: false, now);
            var ends = TokenCacheFile.RefreshTokenExpiry(_cache.RecordOf(account));
            string? warning = null;
            if (ends.HasValue && ends.Value - now < ExpiryWarning)
                warning = $"The Office 365 sign-in of '{account.Username}' ends on {ends.Value.UtcDateTime:yyyy-MM-dd HH:mm} UTC (in {Describe(ends.Value - now)}) and cannot be renewed past that: "
                    + $"sign in again before then with {Settings.SignInCommand}.";
            return new OAuthToken(silent.AccessToken, Settings.User.Length != 0 ? Settings.User : account.Username,
                silent.AuthenticationResultMetadata.TokenSource == TokenSource.Cache, silent.ExpiresOn, warning);
        }

        /// <summary>Request-SmartEmailToken: signs in (or, with Silent, renews the stored sign-in) and reports the outcome.</summary>
        /// <exception cref="MailboxException">The sign-in failed; the message says why and what to do.</exception>
        public TokenStatus SignIn(SignInOptions options, CancellationToken cancellationToken)
        {
            var status = new TokenStatus
            {
                Path = Settings.IniPath,
                Mode = Settings.Mode,
                ClientId = Settings.ClientId,
                Authority = Settings.Authority,
            };
            AuthenticationResult result;
            if (Settings.Mode == OAuthMode.AppOnly)
            {
                result = Execute(t => Confidential().AcquireTokenForClient(Settings.Scopes).WithForceRefresh(true).ExecuteAsync(t), cancellationToken);
                status.Method = Settings.ClientSecret != null ? SignInMethod.ClientSecret : SignInMethod.Certificate;
                status.Account = Settings.User;
                status.Saved = true;
                status.CachePath = _cache.Path;
            }
            else if (options.Silent)
            {
                var app = Public(null, saved: true);
                var account = FindAccount(app, cancellationToken);
                result = Execute(t => app.AcquireTokenSilent(Settings.Scopes, account).WithForceRefresh(true).ExecuteAsync(t), cancellationToken);
                _cache.Record(result, signedIn: false, DateTimeOffset.UtcNow);
                status.Method = SignInMethod.Refresh;
                status.Saved = true;
                status.CachePath = _cache.Path;
            }
            else
            {
                result = Interactive(options, status, cancellationToken);
                if (!options.DoNotSaveAccount)
                {
                    _cache.Record(result, signedIn: true, DateTimeOffset.UtcNow);
                    status.Saved = true;
                    status.CachePath = _cache.Path;
                    status.IniUpdated = RecordAccount(result);
                }
            }
            if (Settings.Mode == OAuthMode.Delegated)
            {
                status.Account = result.Account?.Username ?? string.Empty;
                if (status.Saved && result.Account != null)
                    status.RefreshTokenExpiresOn = TokenCacheFile.RefreshTokenExpiry(_cache.RecordOf(result.Account));
            }
            status.TenantId = result.TenantId ?? string.Empty;
            status.Scopes = result.Scopes?.ToArray() ?? Array.Empty<string>();
            status.ExpiresOn = result.ExpiresOn;
            status.Source = Origin(result.AuthenticationResultMetadata.TokenSource);
            return status;
        }

        /// <summary>MSAL's TokenSource as our own type, so the public TokenStatus names no MSAL type.</summary>
        private static TokenOrigin Origin(TokenSource source) =>
            source == TokenSource.Cache ? TokenOrigin.Cache : source == TokenSource.Broker ? TokenOrigin.Broker : TokenOrigin.IdentityProvider;

        private AuthenticationResult Interactive(SignInOptions options, TokenStatus status, CancellationToken cancellationToken)
        {
            var saved = !options.DoNotSaveAccount;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                deadline.CancelAfter(options.Timeout);
                var why = string.Empty;
                var useBrowser = !options.DeviceCode && SystemBrowser.CanOpen(out why);
                if (!options.DeviceCode && !useBrowser)
                    options.Prompt($"No browser can be opened here ({why}): signing in with a device code instead.");
                if (useBrowser)
                {
                    try
                    {
                        using (var browser = new SystemBrowser())
                        {
                            var app = Public(browser.RedirectUri, saved);
                            options.Prompt($"Opening the browser to sign in to {Settings.Authority}; complete the sign-in there.");
                            status.Method = SignInMethod.Browser;
                            return Execute(t =>
                            {
                                var request = app.AcquireTokenInteractive(Settings.SignInScopes).WithCustomWebUi(browser)
                                    .WithPrompt(options.DoNotSaveAccount ? Prompt.Consent : Prompt.SelectAccount);
                                if (Settings.User.Length != 0)
                                    request = request.WithLoginHint(Settings.User);
                                return request.ExecuteAsync(t);
                            }, deadline.Token, options.Timeout);
                        }
                    }
                    catch (MailboxException e) when (e.InnerException is BrowserUnavailableException || e.InnerException?.InnerException is BrowserUnavailableException)
                    {
                        options.Prompt($"{(e.InnerException as BrowserUnavailableException ?? e.InnerException!.InnerException)!.Message}: signing in with a device code instead.");
                    }
                }
                var deviceApp = Public(null, saved);
                status.Method = SignInMethod.DeviceCode;
                return Execute(t => deviceApp.AcquireTokenWithDeviceCode(Settings.SignInScopes, code =>
                {
                    options.Prompt(code.Message);
                    return Task.CompletedTask;
                }).ExecuteAsync(t), deadline.Token, options.Timeout);
            }
        }

        /// <summary>Writes the signed-in account into [Mail] User (and its tenant into Tenant when that was generic), as the vendor's tool does.</summary>
        private bool RecordAccount(AuthenticationResult result)
        {
            var username = result.Account?.Username;
            if (string.IsNullOrEmpty(username) || !System.IO.File.Exists(Settings.IniPath))
                return false;
            var document = IniDocument.Load(Settings.IniPath);
            var changed = false;
            var stored = document.Get("Mail", "User");
            var current = stored == null ? null : Secrets.IsProtected(stored) ? Secrets.TryUnprotect(stored) : stored;
            if (!string.Equals(current, username, StringComparison.OrdinalIgnoreCase))
            {
                document.Set("Mail", "User", stored != null && Secrets.IsProtected(stored) ? Secrets.Protect(username!) : username!);
                changed = true;
            }
            var tenant = Settings.Tenant.ToLowerInvariant();
            if ((tenant == "organizations" || tenant == "common") && !string.IsNullOrEmpty(result.TenantId) && document.Get("Mail", "Tenant") == null)
            {
                document.Set("Mail", "Tenant", result.TenantId);
                changed = true;
            }
            if (changed)
                document.Save();
            return changed;
        }

        private IAccount FindAccount(IPublicClientApplication app, CancellationToken cancellationToken)
        {
            var accounts = Execute(t => app.GetAccountsAsync(), cancellationToken).ToList();
            var wanted = Settings.User;
            var account = wanted.Length != 0
                ? accounts.FirstOrDefault(a => string.Equals(a.Username, wanted, StringComparison.OrdinalIgnoreCase))
                : accounts.Count == 1 ? accounts[0] : null;
            if (account != null)
                return account;
            var why = _cache.ReadError ?? (accounts.Count == 0
                ? $"no Office 365 sign-in is stored for this account ({Environment.UserName}) in {_cache.Path}"
                : wanted.Length == 0
                    ? $"{accounts.Count} accounts are signed in ({string.Join(", ", accounts.Select(a => a.Username))}) and [Mail] User does not say which mailbox to read"
                    : $"the stored sign-ins ({string.Join(", ", accounts.Select(a => a.Username))}) do not include '{wanted}'");
            throw new MailboxException(MailboxErrorKind.Authentication, $"{Settings.IniPath}: {why}. Sign in once, as the account that runs the job: {Settings.SignInCommand}.");
        }

        private IConfidentialClientApplication Confidential()
        {
            if (_confidential != null)
                return _confidential;
            var builder = ConfidentialClientApplicationBuilder.Create(Settings.ClientId).WithAuthority(Settings.Authority);
            if (!Settings.IsMicrosoftCloud)
                builder = builder.WithInstanceDiscovery(false);
            string credential;
            if (Settings.ClientSecret != null)
            {
                builder = builder.WithClientSecret(Settings.ClientSecret);
                credential = "secret:" + Settings.ClientSecret;
            }
            else
            {
                var certificate = Settings.LoadCertificate();
                builder = builder.WithCertificate(certificate);
                credential = "certificate:" + certificate.Thumbprint;
            }
            var app = builder.Build();
            _cache.Attach(app.UserTokenCache, app.AppTokenCache, Fingerprint(Settings.Authority + "|" + Settings.ClientId + "|" + credential));
            return _confidential = app;
        }

        private IPublicClientApplication Public(string? redirectUri, bool saved)
        {
            if (redirectUri == null && saved && _public != null)
                return _public;
            var builder = PublicClientApplicationBuilder.Create(Settings.ClientId).WithAuthority(Settings.Authority).WithRedirectUri(redirectUri ?? "http://localhost");
            if (!Settings.IsMicrosoftCloud)
                builder = builder.WithInstanceDiscovery(false);
            var app = builder.Build();
            if (saved)
                _cache.Attach(app.UserTokenCache, null);
            if (redirectUri == null && saved)
                _public = app;
            return app;
        }

        private T Execute<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, TimeSpan? timeout = null)
        {
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                deadline.CancelAfter(timeout ?? _timeout);
                try
                {
                    return call(deadline.Token).GetAwaiter().GetResult();
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException e)
                {
                    throw new MailboxException(MailboxErrorKind.Timeout, $"The Entra sign-in service {Settings.Authority} did not complete within {(timeout ?? _timeout).TotalSeconds:0} s.", e);
                }
                catch (Exception e) when (e is MsalException || e is System.Net.Http.HttpRequestException || e is BrowserUnavailableException)
                {
                    if (e is MsalException && EntraErrors.NeedsSignIn((MsalException)e) && Settings.Mode == OAuthMode.Delegated && _cache.ReadError != null)
                        throw new MailboxException(MailboxErrorKind.Authentication, $"{_cache.ReadError}. Sign in again: {Settings.SignInCommand}.", e);
                    throw EntraErrors.Map(e, Settings);
                }
            }
        }

        private sealed class SmtpTokenSource : IOAuthTokenSource
        {
            private readonly MsalTokenProvider _provider;

            public SmtpTokenSource(MsalTokenProvider provider) => _provider = provider;

            public OAuthToken GetToken(bool forceRefresh, CancellationToken cancellationToken)
            {
                // The sign-in's expiry warning was given when the mailbox was opened: once per run is enough.
                var token = _provider.GetToken(_provider.Settings.SmtpScopes, forceRefresh, cancellationToken);
                return new OAuthToken(token.AccessToken, token.UserName, token.FromCache, token.ExpiresOn, null);
            }

            public string Refused(string where, string userName) => EntraErrors.SmtpServerRefused(_provider.Settings, where, userName);

            public string UserName => _provider.UserName;

            public IOAuthTokenSource ForSmtp() => this;
        }

        private static string Fingerprint(string text)
        {
            using (var sha = System.Security.Cryptography.SHA256.Create())
                return Convert.ToBase64String(sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(text)));
        }

        private static string Describe(TimeSpan span) =>
            span <= TimeSpan.Zero ? "no time" : span.TotalDays >= 1 ? $"{(int)span.TotalDays} d {span.Hours} h" : span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min" : $"{Math.Max(1, (int)span.TotalMinutes)} min";
    }
}
