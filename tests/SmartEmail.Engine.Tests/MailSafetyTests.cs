using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmartEmail.Mail;
using Xunit;

#pragma warning disable SYSLIB0039 // the TLS 1.1 minimum is what is under test

namespace SmartEmail.Engine.Tests;

public class CertificatePolicyTests
{
    private static X509Certificate2 SelfSigned(string name = "mail.example.com")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    [Fact]
    public void ATrustedCertificateForTheRightHostIsAccepted()
    {
        var policy = new CertificatePolicy("mail.example.com", acceptUntrusted: false, thumbprint: null);
        Assert.True(policy.Validate(this, SelfSigned(), null, SslPolicyErrors.None));
        Assert.Null(policy.Warning);
    }

    [Fact]
    public void AnUntrustedCertificateIsRefusedNamingSubjectIssuerAndThumbprints()
    {
        var cert = SelfSigned();
        var policy = new CertificatePolicy("mail.example.com", acceptUntrusted: false, thumbprint: null);
        Assert.False(policy.Validate(this, cert, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.Contains("CN=mail.example.com", policy.Rejection);
        Assert.Contains(cert.Thumbprint, policy.Rejection);
        Assert.Contains(cert.GetCertHashString(HashAlgorithmName.SHA256), policy.Rejection);
        Assert.Contains("SelfSignedCertificate=True", policy.Rejection);
    }

    [Fact]
    public void SelfSignedCertificateAcceptsAnUntrustedOneWithAWarning()
    {
        var policy = new CertificatePolicy("mail.example.com", acceptUntrusted: true, thumbprint: null);
        Assert.True(policy.Validate(this, SelfSigned(), null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.Contains("untrusted", policy.Warning);
    }

    [Fact]
    public void ACertificateForAnotherHostIsRefusedEvenWhenUntrustedOnesAreAccepted()
    {
        var policy = new CertificatePolicy("imap.example.com", acceptUntrusted: true, thumbprint: null);
        Assert.False(policy.Validate(this, SelfSigned("other.example.com"), null, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.Contains("set Server to the host name on the certificate", policy.Rejection);
    }

    [Fact]
    public void APinnedThumbprintAcceptsExactlyThatCertificate()
    {
        var cert = SelfSigned();
        var sha256 = string.Join(":", Enumerable.Range(0, 32).Select(i => cert.GetCertHashString(HashAlgorithmName.SHA256).Substring(i * 2, 2))).ToLowerInvariant();
        var pinned = new CertificatePolicy("mail.example.com", acceptUntrusted: false, thumbprint: sha256);
        Assert.True(pinned.Validate(this, cert, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(pinned.Validate(this, SelfSigned(), null, SslPolicyErrors.None));
        Assert.Contains("not the pinned one", pinned.Rejection);
        Assert.True(new CertificatePolicy("x", false, cert.Thumbprint).Validate(this, cert, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Theory]
    [InlineData(SecurityProtocol.TLS1_2, SslProtocols.Tls12)]
    [InlineData(SecurityProtocol.TLS1_1, SslProtocols.Tls11 | SslProtocols.Tls12)]
    [InlineData(null, SslProtocols.None)]
    [InlineData(SecurityProtocol.SSL, SslProtocols.None)]
    public void SecurityProtocolIsAMinimum(SecurityProtocol? minimum, SslProtocols expected)
    {
        var protocols = MailConnector.Protocols(minimum);
        Assert.Equal(expected, protocols & ~SslProtocols.Tls13);
        if (minimum == SecurityProtocol.TLS1_2)
            Assert.True(protocols.HasFlag(SslProtocols.Tls13), "TLS 1.3 is above the TLS 1.2 minimum");
    }
}

public class MessageStoreTests
{
    [Theory]
    [InlineData("../../etc/passwd", "etc_passwd")]
    [InlineData("..", "no subject")]
    [InlineData("CON", "_CON")]
    [InlineData("nul.txt", "_nul.txt")]
    [InlineData("a<b>c:d\"e/f\\g|h?i*j", "a_b_c_d_e_f_g_h_i_j")]
    [InlineData("line\r\nbreak\ttab", "line_break_tab")]
    [InlineData("  . trailing dots .. ", "trailing dots")]
    [InlineData("C:\\Windows\\System32", "C_Windows_System32")]
    public void NamesAreSafeOnEveryPlatform(string subject, string expected) =>
        Assert.Equal(expected, MessageStore.SafeName(subject, 80, "no subject"));

    [Fact]
    public void LongNamesAreBounded() => Assert.Equal(80, MessageStore.SafeName(new string('x', 500), 80, "n").Length);

    [Fact]
    public void SavingNeverOverwritesAndNeverLeavesTheFolder()
    {
        var dir = Directory.CreateTempSubdirectory("smartemail-save-");
        try
        {
            var source = MessageFileReader.ReadFile(TestPaths.Fixture("messages", "multipart-attachments.eml")).Single();
            var first = MessageStore.Save(source, dir.FullName);
            var second = MessageStore.Save(source, dir.FullName);
            Assert.NotEqual(first, second);
            Assert.Equal(dir.FullName, Path.GetDirectoryName(first));
            Assert.Equal(File.ReadAllBytes(TestPaths.Fixture("messages", "multipart-attachments.eml")), File.ReadAllBytes(second));
            Assert.Equal(2, dir.GetFiles().Length); // no temporary file left behind

            var hostile = Path.Combine(dir.FullName, "hostile.eml");
            File.WriteAllText(hostile, "From: a@b.c\r\nSubject: ../../../tmp/evil\r\n\r\nx\r\n");
            var saved = MessageStore.Save(MessageFileReader.ReadFile(hostile).Single(), Path.Combine(dir.FullName, "out"));
            Assert.Equal(Path.Combine(dir.FullName, "out"), Path.GetDirectoryName(saved));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void AMessageInsideAnMboxIsNotDeleted()
    {
        var dir = Directory.CreateTempSubdirectory("smartemail-mbox-");
        try
        {
            var copy = Path.Combine(dir.FullName, "simple.mbox");
            File.Copy(Path.Combine(TestPaths.Corpus, "mbox", "simple.mbox.txt"), copy);
            var message = MessageFileReader.ReadFile(copy).First();
            var e = Assert.Throws<MailboxException>(() => MessageStore.DeleteFile(message));
            Assert.Equal(MailboxErrorKind.NotSupported, e.Kind);
            Assert.True(File.Exists(copy));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
