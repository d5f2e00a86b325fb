using SmartEmail.Ini;
using Xunit;

namespace SmartEmail.Engine.Tests;

[Collection("Secrets")] // the key file override is process-wide
public class SecretsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smartemail-keys-");

    public SecretsTests() => Secrets.KeyFileOverride = Path.Combine(_dir.FullName, "smartemail", "secret.key");

    public void Dispose()
    {
        Secrets.KeyFileOverride = null;
        _dir.Delete(recursive: true);
    }

    [Fact]
    public void ValuesRoundTripAndCarryTheVersionPrefix()
    {
        var stored = Secrets.Protect("Pa55-wörd, with; all=sorts");
        Assert.StartsWith("SE1:", stored);
        Assert.DoesNotContain("Pa55", stored);
        Assert.Equal("Pa55-wörd, with; all=sorts", Secrets.Unprotect(stored));
        Assert.NotEqual(stored, Secrets.Protect("Pa55-wörd, with; all=sorts")); // a fresh nonce every time
    }

    [Fact]
    public void PlainValuesPassThrough() => Assert.Equal("typed-by-hand", Secrets.Unprotect("typed-by-hand"));

    [Fact]
    public void TheKeyFileIsPrivate()
    {
        Secrets.Protect("x");
        Assert.Equal(32, new FileInfo(Secrets.KeyFile).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Secrets.KeyFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(Secrets.KeyFile)!));
        }
    }

    [Fact]
    public void AnotherKeyOrNoKeySaysWhatToDo()
    {
        var stored = Secrets.Protect("Zq9-hidden-42");
        File.Delete(Secrets.KeyFile);
        var missing = Assert.Throws<CredentialException>(() => Secrets.Unprotect(stored));
        Assert.Contains("Set-SmartEmailCredential", missing.Message);
        Assert.Equal(CredentialErrorKind.Undecryptable, missing.Kind);
        Secrets.Protect("new key");
        var e = Assert.Throws<CredentialException>(() => Secrets.Unprotect(stored));
        Assert.Contains("another key", e.Message);
        Assert.Equal(CredentialErrorKind.Undecryptable, e.Kind);
        Assert.DoesNotContain("Zq9-hidden-42", e.Message);
    }

    [Fact]
    public void ATamperedValueIsRefused()
    {
        var stored = Secrets.Protect("secret");
        var tampered = stored.Substring(0, stored.Length - 4) + (stored.EndsWith("AAAA") ? "BBBB" : "AAAA");
        var e = Assert.Throws<CredentialException>(() => Secrets.Unprotect(tampered));
        Assert.Contains("damaged", e.Message);
        Assert.Equal(CredentialErrorKind.Damaged, e.Kind);
    }

    [Fact]
    public void CredentialWriterEncryptsInPlaceAndChangesNothingElse()
    {
        var ini = Path.Combine(_dir.FullName, "SMArtEmail.ini");
        const string original = "; my INI\r\n[General]\r\nMSGINDirectory=C:\\msgin\r\nOpConUser=\r\n\r\n[Mail]\r\nServer=imap.example.com\r\nPassword=old\r\n";
        File.WriteAllText(ini, original);
        CredentialWriter.Store(ini, new System.Net.NetworkCredential("bob", "mail-pw"), new System.Net.NetworkCredential("ocadm", "oc-pw"), SecretScope.CurrentUser);
        var lines = File.ReadAllText(ini).Split("\r\n");
        Assert.Equal("; my INI", lines[0]);
        Assert.StartsWith("OpConUser=SE1:", lines[3]);
        Assert.StartsWith("OpConUserPassword=SE1:", lines[4]);
        Assert.Equal(string.Empty, lines[5]);
        Assert.StartsWith("Password=SE1:", lines[8]);
        Assert.StartsWith("User=SE1:", lines[9]);
        var config = ConfigurationReader.Load(ini);
        Assert.Equal("ocadm", config.General.OpConUser);
        Assert.Equal("bob", config.Mail.User);
        Assert.True(config.Mail.Password.IsEncrypted);
        Assert.DoesNotContain(config.Findings, f => f.Message.Contains("unencrypted"));
        Assert.Equal("oc-pw", Secrets.Unprotect(File.ReadAllLines(ini)[4].Substring("OpConUserPassword=".Length)));
    }
}
