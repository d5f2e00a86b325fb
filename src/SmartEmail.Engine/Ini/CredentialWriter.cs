using System.Net;

namespace SmartEmail.Ini
{
    /// <summary>The --credentials operation: encrypts credentials into an INI, in place, changing nothing else.</summary>
    public static class CredentialWriter
    {
        /// <summary>
        /// Writes the encrypted [Mail] User and Password and/or [General] OpConUser and OpConUserPassword into the INI, with
        /// the lossless editor (comments, order, encoding and line endings stay) and an atomic save.
        /// </summary>
        /// <exception cref="System.IO.IOException">The INI cannot be read or written, or holds bytes invalid in its encoding.</exception>
        /// <exception cref="SmartEmailException">The key cannot be created.</exception>
        public static void Store(string iniPath, NetworkCredential? mail, NetworkCredential? opCon, SecretScope scope) =>
            Store(iniPath, mail, opCon, null, null, scope);

        /// <summary>
        /// Also writes the Office 365 app's [Mail] ClientSecret and CertificatePassword (EmailProtocol=MSAL), encrypted.
        /// </summary>
        /// <exception cref="System.IO.IOException">The INI cannot be read or written, or holds bytes invalid in its encoding.</exception>
        /// <exception cref="SmartEmailException">The key cannot be created.</exception>
        public static void Store(string iniPath, NetworkCredential? mail, NetworkCredential? opCon, string? clientSecret, string? certificatePassword, SecretScope scope)
        {
            var document = IniDocument.Load(iniPath);
            if (mail != null)
            {
                document.Set("Mail", "User", Secrets.Protect(mail.UserName, scope));
                document.Set("Mail", "Password", Secrets.Protect(mail.Password, scope));
            }
            if (opCon != null)
            {
                document.Set("General", "OpConUser", Secrets.Protect(opCon.UserName, scope));
                document.Set("General", "OpConUserPassword", Secrets.Protect(opCon.Password, scope));
            }
            if (clientSecret != null)
                document.Set("Mail", "ClientSecret", Secrets.Protect(clientSecret, scope));
            if (certificatePassword != null)
                document.Set("Mail", "CertificatePassword", Secrets.Protect(certificatePassword, scope));
            document.Save();
        }
    }
}
