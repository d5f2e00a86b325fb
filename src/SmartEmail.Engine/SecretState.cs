namespace SmartEmail
{
    /// <summary>A secret stored in the INI (a password, token or client secret): whether it is set and how, never its value.</summary>
    public sealed class SecretState
    {
        internal SecretState(string? raw)
        {
            Raw = string.IsNullOrEmpty(raw) ? null : raw;
        }

        internal string? Raw { get; }

        /// <summary>Whether a value is stored.</summary>
        public bool IsSet => Raw != null;

        /// <summary>Whether the stored value is encrypted by Set-SmartEmailCredential.</summary>
        public bool IsEncrypted => Raw != null && Secrets.IsProtected(Raw);

        /// <inheritdoc/>
        public override string ToString() => !IsSet ? "(not set)" : IsEncrypted ? "(encrypted)" : "(set, not encrypted)";
    }
}
