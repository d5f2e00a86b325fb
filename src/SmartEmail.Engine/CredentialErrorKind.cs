namespace SmartEmail
{
    /// <summary>What is wrong with a stored credential.</summary>
    public enum CredentialErrorKind
    {
        /// <summary>The value cannot be decrypted here (another user or machine, another platform, a lost key).</summary>
        Undecryptable,
        /// <summary>The value is damaged or was not encrypted by SmartEmail.</summary>
        Damaged,
        /// <summary>The key file cannot be read, created or used.</summary>
        KeyFileFailed,
    }
}
