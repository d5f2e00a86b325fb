using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading.Tasks;
using SmartEmail.Mail;
using SmartEmail.Mail.OAuth;

namespace SmartEmail.Commands
{
    /// <summary>
    /// Request-SmartEmailToken: the Office 365 sign-in of EmailProtocol=MSAL (the --renewMsalToken operation). Signs a user
    /// in with the system browser or a device code and stores the refresh token in the encrypted per-user cache; with
    /// -Silent it only renews the stored sign-in. For app-only settings it checks that a token can be had.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Request, "SmartEmailToken")]
    [OutputType(typeof(TokenStatus))]
    public sealed class RequestSmartEmailTokenCommand : ConfigurationCmdlet
    {
        /// <summary>Only renew the stored sign-in; never ask anyone (--renewTokenSilent).</summary>
        [Parameter]
        public SwitchParameter Silent { get; set; }

        /// <summary>Sign in (and consent for the organisation) without storing the account or its tokens (--doNotSaveAccount).</summary>
        [Parameter]
        public SwitchParameter DoNotSaveAccount { get; set; }

        /// <summary>Sign in with a device code even when a browser could open.</summary>
        [Parameter]
        public SwitchParameter DeviceCode { get; set; }

        /// <summary>Minutes the person has to complete the sign-in (default 15).</summary>
        [Parameter]
        [ValidateRange(1, 120)]
        public int TimeoutMinutes { get; set; } = 15;

        protected override void ProcessRecord()
        {
            if (Silent && (DoNotSaveAccount || DeviceCode))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Silent renews the stored sign-in; it cannot be combined with -DoNotSaveAccount or -DeviceCode."),
                    ErrorIds.ParameterConflict, ErrorCategory.InvalidArgument, null));
                return;
            }
            var configuration = LoadConfiguration(Path);
            if (configuration.Mail.Protocol != MailProtocol.MSAL)
            {
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"{configuration.Path} does not set [Mail] EmailProtocol=MSAL: there is nothing to sign in to."),
                    ErrorIds.NotMsal, ErrorCategory.InvalidOperation, configuration.Path));
                return;
            }
            // MSAL calls back on its own threads; what it has to say is shown from this one.
            var prompts = new BlockingCollection<string>();
            Task<TokenStatus> signIn;
            try
            {
                var provider = new MsalTokenProvider(MsalSettings.From(configuration), TimeSpan.FromSeconds(60));
                if (provider.Settings.Mode == OAuthMode.AppOnly && (DeviceCode || DoNotSaveAccount))
                    WriteWarning("The INI sets up app-only access (a client secret or certificate): nobody signs in, so -DeviceCode and -DoNotSaveAccount change nothing.");
                var options = new SignInOptions
                {
                    Silent = Silent,
                    DoNotSaveAccount = DoNotSaveAccount,
                    DeviceCode = DeviceCode,
                    Timeout = TimeSpan.FromMinutes(TimeoutMinutes),
                    Prompt = prompts.Add,
                };
                signIn = Task.Run(() => provider.SignIn(options, CancellationToken));
                signIn.ContinueWith(_ => prompts.CompleteAdding(), TaskScheduler.Default);
            }
            catch (MailboxException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, configuration.Path));
                return;
            }
            foreach (var prompt in prompts.GetConsumingEnumerable())
                WriteInformation(new HostInformationMessage { Message = prompt }, new[] { "PSHOST", "SmartEmail" });
            TokenStatus status;
            try
            {
                status = signIn.GetAwaiter().GetResult();
            }
            catch (MailboxException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, configuration.Path));
                return;
            }
            catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
            {
                return;
            }
            if (status.Saved && status.Mode == OAuthMode.Delegated)
                WriteVerbose($"Stored the sign-in of {status.Account} in {status.CachePath}; runs renew it silently.");
            if (status.IniUpdated)
                WriteVerbose($"Wrote [Mail] User (and Tenant) of {status.Account} into {status.Path}.");
            WriteObject(status);
        }
    }
}
