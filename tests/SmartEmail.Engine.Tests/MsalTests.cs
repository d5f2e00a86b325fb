using Microsoft.Identity.Client;
using SmartEmail.Ini;
using SmartEmail.Mail;
using SmartEmail.Mail.OAuth;
using Xunit;

namespace SmartEmail.Engine.Tests;

[Collection("Secrets")] // the key file override is process-wide
public class MsalTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smartemail-msal-");

    public MsalTests() => Secrets.KeyFileOverride = Path.Combine(_dir.FullName, "smartemail", "secret.key");

    public void Dispose()
    {
        Secrets.KeyFileOverride = null;
        _dir.Delete(recursive: true);
    }

    private Configuration Config(string mail)
    {
        var path = Path.Combine(_dir.FullName, "SMArtEmail.ini");
        File.WriteAllText(path, "[General]\nMSGINDirectory=.\n[Mail]\nEmailProtocol=MSAL\n" + mail + "[Configuration1]\nSubjectLineMask=x\nEvent=$CONSOLE:DISPLAY,x\n");
        return ConfigurationReader.Load(path);
    }

    [Fact]
    public void ASignedInUserNeedsOnlyAClientIdAndGetsMicrosoftsDefaults()
    {
        var s = MsalSettings.From(Config("ClientId=11111111-2222-3333-4444-555555555555\n"));
        Assert.Equal(OAuthMode.Delegated, s.Mode);
        Assert.Equal("https://login.microsoftonline.com/organizations", s.Authority);
        Assert.Equal("outlook.office365.com", s.Server);
        Assert.Equal(new[] { "https://outlook.office365.com/IMAP.AccessAsUser.All" }, s.Scopes);
        Assert.True(s.IsMicrosoftCloud);
        Assert.Equal(Path.Combine(_dir.FullName, "smartemail", "msal-token-cache.dat"), s.CachePath);
    }

    [Fact]
    public void AppOnlyWithASecretAsksForTheDefaultScopeOfTheServer()
    {
        var c = Config($"ClientId=abc\nTenant=contoso.onmicrosoft.com\nUser=jobs@contoso.com\nClientSecret={Secrets.Protect("s3cret")}\nServer=outlook.office365.us\nMsalMailProtocol=POP\nAuthority=https://login.microsoftonline.us/\n");
        Assert.DoesNotContain(c.Findings, f => f.Severity == FindingSeverity.Error);
        var s = MsalSettings.From(c);
        Assert.Equal(OAuthMode.AppOnly, s.Mode);
        Assert.Equal("s3cret", s.ClientSecret);
        Assert.Equal("https://login.microsoftonline.us/contoso.onmicrosoft.com", s.Authority);
        Assert.Equal(new[] { "https://outlook.office365.us/.default" }, s.Scopes);
        Assert.Equal(MailProtocol.POP, s.MailProtocol);
        var mailbox = MailboxSettings.From(c);
        Assert.Equal(MailProtocol.POP, mailbox.Protocol);
        Assert.Equal(995, mailbox.Port);
        Assert.False(mailbox.AcceptUntrustedCertificate);
        Assert.NotNull(mailbox.TokenSource);
    }

    [Fact]
    public void NoticesThroughTheMailboxSignInAskForSmtpSendAtSignInAndRelaysDoNot()
    {
        var delegated = MsalSettings.From(Config("ClientId=abc\nSmtpServer=smtp.office365.com\n"));
        Assert.True(delegated.NoticesUseToken);
        Assert.Equal(new[] { "https://outlook.office365.com/SMTP.Send" }, delegated.SmtpScopes);
        Assert.Equal(new[] { "https://outlook.office365.com/IMAP.AccessAsUser.All", "https://outlook.office365.com/SMTP.Send" }, delegated.SignInScopes);

        var relay = MsalSettings.From(Config("ClientId=abc\nSmtpServer=relay.contoso.com\nSmtpAuthentication=None\n"));
        Assert.False(relay.NoticesUseToken);
        Assert.Equal(relay.Scopes, relay.SignInScopes);

        var noNotices = MsalSettings.From(Config("ClientId=abc\n"));
        Assert.False(noNotices.NoticesUseToken);
        Assert.Equal(noNotices.Scopes, noNotices.SignInScopes);

        // App-only: the app's .default token carries SMTP.SendAsApp; nothing more to consent to at sign-in.
        var app = MsalSettings.From(Config($"ClientId=abc\nTenant=contoso.test\nUser=jobs@contoso.com\nClientSecret={Secrets.Protect("s3cret")}\nSmtpServer=smtp.office365.com\n"));
        Assert.Equal(new[] { "https://outlook.office365.com/.default" }, app.SmtpScopes);
        Assert.Equal(app.Scopes, app.SignInScopes);
    }

    [Fact]
    public void AnUnknownSmtpAuthenticationIsAnErrorNamingTheKey()
    {
        var c = Config("ClientId=abc\nSmtpServer=smtp.office365.com\nSmtpAuthentication=OAuth2\n");
        Assert.Contains(c.Findings, f => f.Severity == FindingSeverity.Error && f.Key == "SmtpAuthentication");
    }

    [Fact]
    public void AnAuthorityWithATenantPathIsUsedAsItIsAndAnotherHostSkipsInstanceDiscovery()
    {
        var s = MsalSettings.From(Config("ClientId=abc\nAuthority=https://localhost:10443/0000-tenant\n"));
        Assert.Equal("https://localhost:10443/0000-tenant", s.Authority);
        Assert.Equal("0000-tenant", s.Tenant);
        Assert.False(s.IsMicrosoftCloud);
    }

    [Theory]
    [InlineData("Tenant=t\nClientSecret=x\n", "needs [Mail] User")]
    [InlineData("User=u\nClientSecret=x\n", "needs [Mail] Tenant")]
    [InlineData("Tenant=t\nUser=u\nClientSecret=x\nClientCertificateThumbprint=AB\n", "only one of")]
    [InlineData("Authority=http://login.example/\n", "is not an https URL")]
    public void MissingOrContradictorySettingsNameTheKey(string mail, string expected)
    {
        var e = Assert.Throws<MailboxException>(() => MsalSettings.From(Config("ClientId=abc\n" + mail)));
        Assert.Equal(MailboxErrorKind.Configuration, e.Kind);
        Assert.Contains(expected, e.Message);
        Assert.Contains("SMArtEmail.ini", e.Message);
    }

    [Fact]
    public void TheReaderReportsAMissingClientIdAndAClearTextSecretWithTheirLines()
    {
        var c = Config("Tenant=t\nUser=u\nClientSecret=plain\n");
        Assert.Contains(c.Findings, f => f.Severity == FindingSeverity.Error && f.Key == "ClientId");
        Assert.Contains(c.Findings, f => f.Severity == FindingSeverity.Warning && f.Key == "ClientSecret" && f.Line == 7 && f.Message.Contains("Set-SmartEmailCredential"));
        var e = Assert.Throws<MailboxException>(() => MsalSettings.From(c));
        Assert.Contains("ClientId", e.Message);
    }

    [Theory]
    [InlineData("invalid_client", "AADSTS7000215: Invalid client secret provided.", "Set-SmartEmailCredential", MailboxErrorKind.Authentication)]
    [InlineData("invalid_client", "AADSTS7000222: The provided client secret keys for app 'abc' are expired.", "has expired", MailboxErrorKind.Authentication)]
    [InlineData("unauthorized_client", "AADSTS700016: Application with identifier 'abc' was not found in the directory 't'.", "not the Object ID", MailboxErrorKind.Configuration)]
    [InlineData("invalid_request", "AADSTS90002: Tenant 't' not found.", "tenant ID (a GUID)", MailboxErrorKind.Configuration)]
    [InlineData("invalid_grant", "AADSTS65001: The user or administrator has not consented to use the application.", "Grant admin consent", MailboxErrorKind.Authentication)]
    [InlineData("invalid_client", "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.", "upload its public part", MailboxErrorKind.Authentication)]
    [InlineData("invalid_grant", "AADSTS50173: The provided grant has expired due to it being revoked.", "Request-SmartEmailToken -Path", MailboxErrorKind.Authentication)]
    public void EntraErrorsSayWhatToFix(string error, string description, string advice, MailboxErrorKind kind)
    {
        var s = MsalSettings.From(Config("ClientId=abc\nTenant=t\nUser=u\nClientSecret=x\n"));
        var e = EntraErrors.Map(new MsalServiceException(error, description), s);
        Assert.Equal(kind, e.Kind);
        Assert.Contains(advice, e.Message);
        Assert.Contains("AADSTS" + EntraErrors.CodeOf(description), e.Message);
        Assert.DoesNotContain("x\n", e.Message);
    }

    [Fact]
    public void AMissingSignInNamesTheCommandThatSignsIn()
    {
        var s = MsalSettings.From(Config("ClientId=abc\n"));
        var e = EntraErrors.Map(new MsalUiRequiredException("invalid_grant", "AADSTS700082: The refresh token has expired due to inactivity."), s);
        Assert.Contains("Request-SmartEmailToken -Path '", e.Message);
        Assert.Contains("--renewMsalToken", e.Message);
    }

    [Fact]
    public void TheTokenCacheIsEncryptedPrivateAndReadBack()
    {
        var path = Path.Combine(_dir.FullName, "cache", "msal-token-cache.dat");
        var cache = new TokenCacheFile(path);
        cache.Accounts["id"] = new AccountRecord { Username = "alice@contoso.com", Refreshed = DateTimeOffset.UtcNow, RefreshTokenExpires = DateTimeOffset.UtcNow.AddDays(2) };
        cache.Save();
        var text = File.ReadAllText(path);
        Assert.StartsWith("SE1:", text);
        Assert.DoesNotContain("alice", text);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        }
        var again = new TokenCacheFile(path);
        again.Load();
        Assert.Null(again.ReadError);
        Assert.Equal("alice@contoso.com", again.Accounts["id"].Username);
        Assert.True(TokenCacheFile.RefreshTokenExpiry(again.Accounts["id"]) < DateTimeOffset.UtcNow.AddDays(3));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary file left

        // What a process killed mid-save leaves is removed by a later save once it is 10 minutes old.
        var stale = Path.Combine(Path.GetDirectoryName(path)!, ".msal-token-cache.dat." + new string('b', 32) + ".tmp");
        var fresh = Path.Combine(Path.GetDirectoryName(path)!, ".msal-token-cache.dat." + new string('c', 32) + ".tmp");
        File.WriteAllText(stale, "x");
        File.WriteAllText(fresh, "x");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddMinutes(-11));
        again.Save();
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
    }

    [Fact]
    public void ACacheWrittenWithAnotherKeyIsReportedNotThrown()
    {
        var path = Path.Combine(_dir.FullName, "cache.dat");
        var cache = new TokenCacheFile(path);
        cache.Save();
        File.Delete(Secrets.KeyFile);
        Secrets.Protect("new key");
        var again = new TokenCacheFile(path);
        again.Load();
        Assert.NotNull(again.ReadError);
        Assert.Contains(path, again.ReadError);
        Assert.Contains("another key", again.ReadError);
        Assert.Empty(again.Accounts);
    }

    [Fact]
    public void WithoutAnAnnouncedEndASignInLastsNinetyDaysFromItsLastUse()
    {
        var refreshed = DateTimeOffset.UtcNow.AddDays(-10);
        Assert.Equal(refreshed.AddDays(90), TokenCacheFile.RefreshTokenExpiry(new AccountRecord { Refreshed = refreshed }));
        Assert.Null(TokenCacheFile.RefreshTokenExpiry(null));
    }
}
