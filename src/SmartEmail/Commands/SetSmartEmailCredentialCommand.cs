using System;
using System.IO;
using System.Management.Automation;
using System.Linq;
using System.Runtime.InteropServices;
using SmartEmail.Ini;

namespace SmartEmail.Commands
{
    /// <summary>Set-SmartEmailCredential: encrypts the mailbox and OpCon credentials into the INI (the --credentials operation).</summary>
    [Cmdlet(VerbsCommon.Set, "SmartEmailCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(void))]
    public sealed class SetSmartEmailCredentialCommand : ConfigurationCmdlet
    {
        /// <summary>The mailbox user and password ([Mail] User and Password).</summary>
        [Parameter]
        [Credential]
        public PSCredential? MailCredential { get; set; }

        /// <summary>The OpCon user and its external event password or token ([General] OpConUser and OpConUserPassword).</summary>
        [Parameter]
        [Credential]
        public PSCredential? OpConCredential { get; set; }

        /// <summary>The OpCon REST API user and password ([OpCon] ApiUser and ApiPassword).</summary>
        [Parameter]
        [Credential]
        public PSCredential? ApiCredential { get; set; }

        /// <summary>An OpCon REST API token ([OpCon] ApiToken).</summary>
        [Parameter]
        public System.Security.SecureString? ApiToken { get; set; }

        /// <summary>The Office 365 app's client secret ([Mail] ClientSecret, EmailProtocol=MSAL app-only).</summary>
        [Parameter]
        public System.Security.SecureString? ClientSecret { get; set; }

        /// <summary>The password of the [Mail] CertificatePath .pfx file ([Mail] CertificatePassword).</summary>
        [Parameter]
        public System.Security.SecureString? CertificatePassword { get; set; }

        /// <summary>Windows: CurrentUser (default) or LocalMachine, who can decrypt.</summary>
        [Parameter]
        [ValidateSet("CurrentUser", "LocalMachine")]
        public string Scope { get; set; } = "CurrentUser";

        protected override void ProcessRecord()
        {
            var path = ResolveConfigurationPath(Path);
            if (MailCredential == null && OpConCredential == null && ApiCredential == null && ApiToken == null && ClientSecret == null && CertificatePassword == null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -MailCredential, -OpConCredential, -ApiCredential, -ApiToken, -ClientSecret or -CertificatePassword."), ErrorIds.CredentialMissing, ErrorCategory.InvalidArgument, path));
                return;
            }
            if (!File.Exists(path))
            {
                ThrowTerminatingError(ToErrorRecord(new FileNotFoundException($"The configuration file '{path}' does not exist.", path), ErrorIds.ConfigurationNotFound, path));
                return;
            }
            var scope = (SecretScope)Enum.Parse(typeof(SecretScope), Scope, ignoreCase: true);
            if (scope == SecretScope.LocalMachine && !RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                WriteWarning($"-Scope LocalMachine is a Windows (DPAPI) setting; here the values are encrypted with the key of this user ({Secrets.KeyFile}), so run this command as the account that runs the job.");
            var what = string.Join(" and ", new[]
            {
                MailCredential != null ? "[Mail] User/Password" : null,
                OpConCredential != null ? "[General] OpConUser/OpConUserPassword" : null,
                ApiCredential != null ? "[OpCon] ApiUser/ApiPassword" : null,
                ApiToken != null ? "[OpCon] ApiToken" : null,
                ClientSecret != null ? "[Mail] ClientSecret" : null,
                CertificatePassword != null ? "[Mail] CertificatePassword" : null,
            }.Where(x => x != null));
            if (!ShouldProcess(path, $"Encrypt {what}"))
                return;
            try
            {
                CredentialWriter.Store(path, new StoredCredentials
                {
                    Mail = MailCredential?.GetNetworkCredential(),
                    OpCon = OpConCredential?.GetNetworkCredential(),
                    Api = ApiCredential?.GetNetworkCredential(),
                    ApiToken = Plain(ApiToken),
                    ClientSecret = Plain(ClientSecret),
                    CertificatePassword = Plain(CertificatePassword),
                }, scope);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is SmartEmailException)
            {
                ThrowTerminatingError(ToErrorRecord(e, ErrorIds.CredentialWriteFailed, path));
            }
            WriteVerbose($"Encrypted {what} in {path}.");
        }

        private static string? Plain(System.Security.SecureString? value) => value == null ? null : new System.Net.NetworkCredential(string.Empty, value).Password;
    }
}
