using System;
using System.Management.Automation;
using SmartEmail.Commands;

namespace SmartEmail
{
    /// <summary>
    /// The engine's log as the cmdlet's Verbose, Warning, Progress and Error streams. It hands the engine a
    /// <see cref="DelegateEngineLog"/> (<see cref="Log"/>) rather than implementing IEngineLog: types in this assembly must
    /// not derive from engine types, or loading them would need the engine before the module's loader is hooked up.
    /// </summary>
    internal sealed class CmdletLog : IDisposable
    {
        private static int _nextActivityId = 7000;
        private readonly SmartEmailCmdlet _cmdlet;
        private readonly string _errorId;
        private ProgressRecord? _progress;

        public CmdletLog(SmartEmailCmdlet cmdlet, string errorId)
        {
            _cmdlet = cmdlet;
            _errorId = errorId;
        }

        /// <summary>The engine-facing log.</summary>
        public IEngineLog Log => new DelegateEngineLog(Verbose, Warning, Progress, Error);

        public void Verbose(string text) => _cmdlet.WriteVerbose(text);

        public void Warning(string text) => _cmdlet.WriteWarning(text);

        public void Error(SmartEmailException error) =>
            _cmdlet.WriteError(SmartEmailCmdlet.ToErrorRecord(error, _errorId, (error as MessageReadException)?.Target));

        public void Progress(string activity, string status, int done, int total)
        {
            _progress ??= new ProgressRecord(System.Threading.Interlocked.Increment(ref _nextActivityId), activity, status);
            _progress.Activity = activity;
            _progress.StatusDescription = status;
            _progress.PercentComplete = total > 0 ? Math.Min(100, (int)(100L * done / total)) : -1;
            _progress.RecordType = ProgressRecordType.Processing;
            _cmdlet.WriteProgress(_progress);
        }

        /// <summary>Completes the progress bar; call it in a finally.</summary>
        public void Dispose()
        {
            if (_progress == null)
                return;
            _progress.RecordType = ProgressRecordType.Completed;
            try
            {
                _cmdlet.WriteProgress(_progress);
            }
            catch (PipelineStoppedException)
            {
            }
            catch (InvalidOperationException)
            {
                // Written outside the pipeline's processing methods (after a stop): nothing to complete.
            }
            _progress = null;
        }
    }
}
