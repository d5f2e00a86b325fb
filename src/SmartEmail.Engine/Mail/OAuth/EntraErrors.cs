using System;
using System.Net.Http;
using System.Text.RegularExpressions;
using Microsoft.Identity.Client;

namespace SmartEmail.Mail.OAuth
{
    /// <summary>Turns Entra ID (AADSTS) and MSAL failures into messages that say what to fix and where.</summary>
    internal static class EntraErrors
    {
        private static readonly Regex Code = new Regex(@"AADSTS(\d+)", RegexOptions.CultureInvariant);

        /// <summary>The AADSTS number in a message, or null.</summary>
        public static string? CodeOf(string? text)
        {
            var match = text == null ? Match.Empty : Code.Match(text);
            return match.Success ? match.Groups[1].Value : null;
        }

        /// <summary>Whether the failure means the stored sign-in is gone and a person must sign in again.</summary>
        public static bool NeedsSignIn(MsalException e) =>
            e is MsalUiRequiredException || CodeOf(e.Message) is string code && Array.IndexOf(SignInGone, code) >= 0;

        private static readonly string[] SignInGone = { "50173", "700082", "70008", "70043", "50078", "50076", "50079", "50158", "50132", "50133", "65004", "500341" };

        /// <summary>The exception to throw for an MSAL failure.</summary>
        public static MailboxException Map(Exception e, MsalSettings s)
        {
            if (e is MsalException msal)
                return new MailboxException(KindOf(msal), Describe(msal, s), e);
            if (e is HttpRequestException || e is OperationCanceledException || e is TimeoutException)
                return new MailboxException(MailboxErrorKind.Connection, $"Cannot reach the Entra sign-in service {s.Authority}: {Inner(e)}", e);
            return new MailboxException(MailboxErrorKind.Authentication, $"Getting an Office 365 token from {s.Authority} failed: {e.Message}", e);
        }

        private static MailboxErrorKind KindOf(MsalException e)
        {
            var code = CodeOf(e.Message);
            if (code == "90002" || code == "900023" || code == "700016" || code == "7000218" || code == "700025")
                return MailboxErrorKind.Configuration;
            if (code == null && e is MsalServiceException service && (service.StatusCode == 0 || service.StatusCode >= 500
                || service.ErrorCode == MsalError.RequestTimeout || service.ErrorCode == MsalError.ServiceNotAvailable))
                return MailboxErrorKind.Connection;
            if (e is MsalClientException && e.InnerException is HttpRequestException)
                return MailboxErrorKind.Connection;
            return MailboxErrorKind.Authentication;
        }

        /// <summary>A message for an MSAL failure: what Entra said (its AADSTS code) and what to do about it.</summary>
        public static string Describe(MsalException e, MsalSettings s)
        {
            var code = CodeOf(e.Message);
            var said = code == null ? FirstLine(e.Message) : $"AADSTS{code}: {FirstLine(e.Message.Substring(e.Message.IndexOf("AADSTS", StringComparison.Ordinal) + 7 + code.Length).TrimStart(':', ' '))}";
            var app = $"app {s.ClientId}";
            var permission = s.Mode == OAuthMode.AppOnly
                ? $"{(s.MailProtocol == MailProtocol.POP ? "POP" : "IMAP")}.AccessAsApp (Office 365 Exchange Online, application permission)"
                : $"{(s.MailProtocol == MailProtocol.POP ? "POP" : "IMAP")}.AccessAsUser.All and offline_access (delegated permissions)";
            string advice;
            switch (code)
            {
                case "65001":
                    advice = $"{app} has no consent in tenant '{s.Tenant}': an administrator must grant it {permission} (Entra admin center: App registrations, the app, API permissions, Grant admin consent)"
                        + (s.Mode == OAuthMode.Delegated ? ", or sign in once as an administrator with Request-SmartEmailToken -DoNotSaveAccount and consent for the organisation." : ".");
                    break;
                case "90002":
                case "900023":
                case "90013":
                    advice = $"the tenant '{s.Tenant}' is not known to {s.Authority}: set [Mail] Tenant to your tenant ID (a GUID) or primary domain (contoso.onmicrosoft.com), and Authority to your cloud's sign-in service if it is not the global one.";
                    break;
                case "700016":
                    advice = $"tenant '{s.Tenant}' does not know {app}: check [Mail] ClientId (the Application (client) ID, not the Object ID) and Tenant; a multi-tenant app must be consented in this tenant first.";
                    break;
                case "7000215":
                    advice = $"the client secret is wrong: store the secret's Value (not its Secret ID) with Set-SmartEmailCredential -Path '{s.IniPath}' -ClientSecret.";
                    break;
                case "7000222":
                    advice = $"the client secret of {app} has expired: add a new one (App registrations, the app, Certificates & secrets) and store it with Set-SmartEmailCredential -Path '{s.IniPath}' -ClientSecret; a certificate (CertificatePath) can live longer.";
                    break;
                case "700027":
                case "700023":
                    advice = $"the certificate from {s.CertificateSource} is not registered on {app}: upload its public part (.cer) under Certificates & secrets, or point CertificatePath at the registered one.";
                    break;
                case "700024":
                    advice = "the signed client assertion is outside its valid time range: check this machine's clock.";
                    break;
                case "7000218":
                    advice = $"{app} does not allow public client flows, which a signed-in user needs: set 'Allow public client flows' to Yes (App registrations, the app, Authentication), or use app-only access with a secret or certificate.";
                    break;
                case "700025":
                    advice = $"{app} is a public client, so it takes no secret: remove [Mail] ClientSecret, or make the app confidential.";
                    break;
                case "50034":
                case "50126":
                case "50020":
                    advice = $"the account cannot sign in to tenant '{s.Tenant}': use an account of that tenant, or set [Mail] Tenant to the account's tenant.";
                    break;
                case "50105":
                    advice = $"the signed-in account is not assigned to {app}: assign it under Enterprise applications, the app, Users and groups, or switch off 'Assignment required'.";
                    break;
                case "53003":
                    advice = "a Conditional Access policy blocked the sign-in: ask your Entra administrator to allow this app or this location, or use app-only access.";
                    break;
                case "70016":
                case "70019":
                    advice = $"the device code sign-in was not completed in time: run {s.SignInCommand} again and complete it.";
                    break;
                default:
                    advice = NeedsSignIn(e)
                        ? $"the stored sign-in can no longer be renewed (expired, revoked, password changed, or a policy asks for a new sign-in): sign in again with {s.SignInCommand}."
                        : $"see the AADSTS code in Microsoft's error code reference (https://login.microsoftonline.com/error?code={code ?? "0"}).";
                    break;
            }
            if (code == null && NeedsSignIn(e))
                advice = $"no usable sign-in is stored: sign in with {s.SignInCommand}.";
            return $"Entra ID refused the Office 365 token for {s.Method} ({s.Authority}, client {s.ClientId}): {said}. Fix: {advice}";
        }

        /// <summary>What to say when the mail server refuses a token Entra issued.</summary>
        public static string MailServerRefused(MsalSettings s, string where, string account)
        {
            var protocol = s.MailProtocol == MailProtocol.POP ? "POP" : "IMAP";
            var enable = $"Set-CASMailbox -Identity {Quote(s.User.Length != 0 ? s.User : account)} -{(protocol == "POP" ? "Pop" : "Imap")}Enabled $true";
            if (s.Mode == OAuthMode.AppOnly)
                return $"{where} refused the token of app {s.ClientId} for mailbox '{s.User}'. Usual causes, in Exchange Online PowerShell: the app has no Exchange service principal "
                    + $"(New-ServicePrincipal -AppId {s.ClientId} -ObjectId <object id of the enterprise application>), or no right on this mailbox "
                    + $"(Add-MailboxPermission -Identity {Quote(s.User)} -User <that service principal> -AccessRights FullAccess); the app lacks {protocol}.AccessAsApp with admin consent; "
                    + $"or {protocol} is disabled for the mailbox ({enable}). Changes can take up to an hour to apply.";
            return $"{where} refused the token of '{account}' for mailbox '{(s.User.Length != 0 ? s.User : account)}'. Usual causes: {protocol} is disabled for the mailbox ({enable}), "
                + $"the account has no access to that mailbox, or the app lacks {protocol}.AccessAsUser.All; sign in again with {s.SignInCommand} after fixing it.";
        }

        /// <summary>What to check when Exchange Online's SMTP (smtp.office365.com) refuses the token of a notice.</summary>
        public static string SmtpServerRefused(MsalSettings s, string where, string account)
        {
            var mailbox = s.User.Length != 0 ? s.User : account;
            var enable = $"Set-CASMailbox -Identity {Quote(mailbox)} -SmtpClientAuthenticationDisabled $false";
            if (s.Mode == OAuthMode.AppOnly)
                return $"{where} refused the token of app {s.ClientId} for sending notices as '{mailbox}'. Usual causes, in Exchange Online PowerShell: authenticated SMTP is off for the mailbox "
                    + $"({enable}; Get-TransportConfig shows whether it is off for the whole organisation); the app lacks SMTP.SendAsApp with admin consent; or its service principal "
                    + $"has no right on the mailbox (Add-MailboxPermission -Identity {Quote(mailbox)} -User <service principal> -AccessRights FullAccess). "
                    + "Changes can take up to an hour to apply. A relay that needs no sign-in: set [Mail] SmtpAuthentication=None.";
            return $"{where} refused the token of '{account}' for sending notices as '{mailbox}'. Usual causes: authenticated SMTP is off for the mailbox ({enable}), or the app lacks "
                + $"the delegated permission SMTP.Send; after fixing it, sign in again with {s.SignInCommand} (it asks consent for SMTP.Send too). "
                + "A relay that needs no sign-in: set [Mail] SmtpAuthentication=None.";
        }

        private static string Quote(string value) => "'" + value.Replace("'", "''") + "'";

        private static string FirstLine(string text)
        {
            var end = text.IndexOfAny(new[] { '\r', '\n' });
            return (end < 0 ? text : text.Substring(0, end)).Trim().TrimEnd('.');
        }

        private static string Inner(Exception e)
        {
            while (e.InnerException != null)
                e = e.InnerException;
            return e.Message;
        }
    }
}
