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
            Store(iniPath, new StoredCredentials { Mail = mail, OpCon = opCon }, scope);

        /// <summary>Writes every secret given, encrypted, into the INI in place; the others stay as they are.</summary>
        /// <exception cref="System.IO.IOException">The INI cannot be read or written, or holds bytes invalid in its encoding.</exception>
        /// <exception cref="SmartEmailException">The key cannot be created.</exception>
        public static void Store(string iniPath, StoredCredentials values, SecretScope scope)
        {
            var document = IniDocument.Load(iniPath);
            if (values.Mail != null)
            {
                document.Set("Mail", "User", Secrets.Protect(values.Mail.UserName, scope));
                document.Set("Mail", "Password", Secrets.Protect(values.Mail.Password, scope));
            }
            if (values.OpCon != null)
            {
                document.Set("General", "OpConUser", Secrets.Protect(values.OpCon.UserName, scope));
                document.Set("General", "OpConUserPassword", Secrets.Protect(values.OpCon.Password, scope));
            }
            if (values.Api != null)
            {
                // The engine reads ApiUser as it is: a user name, not a secret.
                document.Set("OpCon", "ApiUser", values.Api.UserName);
                document.Set("OpCon", "ApiPassword", Secrets.Protect(values.Api.Password, scope));
            }
            if (values.ApiToken != null)
                document.Set("OpCon", "ApiToken", Secrets.Protect(values.ApiToken, scope));
            if (values.ClientSecret != null)
                document.Set("Mail", "ClientSecret", Secrets.Protect(values.ClientSecret, scope));
            if (values.CertificatePassword != null)
                document.Set("Mail", "CertificatePassword", Secrets.Protect(values.CertificatePassword, scope));
            document.Save();
        }
    }
}
