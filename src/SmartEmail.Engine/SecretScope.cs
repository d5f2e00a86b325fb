namespace SmartEmail
{
    /// <summary>Who can decrypt a protected value on Windows.</summary>
    public enum SecretScope
    {
        /// <summary>Only the Windows user who encrypted it (DPAPI, current user).</summary>
        CurrentUser,
        /// <summary>Any account on this machine (DPAPI, local machine), for jobs that run under another account.</summary>
        LocalMachine,
    }
}
