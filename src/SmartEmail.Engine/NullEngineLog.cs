namespace SmartEmail
{
    /// <summary>A log that drops everything (tests and callers that do not care).</summary>
    public sealed class NullEngineLog : IEngineLog
    {
        /// <summary>The one instance.</summary>
        public static readonly NullEngineLog Instance = new NullEngineLog();

        /// <inheritdoc/>
        public void Verbose(string text) { }

        /// <inheritdoc/>
        public void Warning(string text) { }

        /// <inheritdoc/>
        public void Progress(string activity, string status, int done, int total) { }

        /// <inheritdoc/>
        public void Error(SmartEmailException error) { }
    }
}
