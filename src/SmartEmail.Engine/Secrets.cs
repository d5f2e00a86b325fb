using System;

namespace SmartEmail
{
    /// <summary>
    /// The format of secrets stored in an INI. Values that Set-SmartEmailCredential encrypted start with a version prefix
    /// (<c>SE1:</c>), so a plain value typed by hand is told apart from an encrypted one and each can be handled.
    /// </summary>
    public static class Secrets
    {
        /// <summary>The prefix of every encrypted value, format version 1.</summary>
        public const string ProtectedPrefix = "SE1:";

        /// <summary>Whether a stored value is one SmartEmail encrypted.</summary>
        public static bool IsProtected(string value) => value.StartsWith(ProtectedPrefix, StringComparison.Ordinal);
    }
}
