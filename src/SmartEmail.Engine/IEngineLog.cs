namespace SmartEmail
{
    /// <summary>
    /// How the engine reports what it is doing, without knowing PowerShell: the cmdlets turn these calls into
    /// Write-Verbose, Write-Warning and Write-Progress on the pipeline thread.
    /// </summary>
    public interface IEngineLog
    {
        /// <summary>A detail for -Verbose.</summary>
        void Verbose(string text);

        /// <summary>Something the admin should know, though the operation goes on.</summary>
        void Warning(string text);

        /// <summary>Progress of a long operation; <paramref name="total"/> is 0 when unknown.</summary>
        void Progress(string activity, string status, int done, int total);

        /// <summary>One item failed (a message that cannot be read); the operation goes on with the others.</summary>
        void Error(SmartEmailException error);
    }

}
