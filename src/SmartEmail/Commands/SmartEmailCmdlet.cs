using System;
using System.IO;
using System.Management.Automation;
using System.Threading;

namespace SmartEmail.Commands
{
    /// <summary>
    /// The base of every SmartEmail cmdlet: a cancellation token that Ctrl+C (StopProcessing) cancels, and one mapping
    /// from engine exceptions to error records.
    /// </summary>
    public abstract class SmartEmailCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        protected CancellationToken CancellationToken => _stopping.Token;

        /// <inheritdoc/>
        protected override void StopProcessing() => _stopping.Cancel();

        /// <inheritdoc/>
        public void Dispose() => _stopping.Dispose();

        /// <summary>Builds the error record for an exception, with the category that its type implies.</summary>
        internal static ErrorRecord ToErrorRecord(Exception exception, string errorId, object? target) =>
            new ErrorRecord(exception, errorId, CategoryOf(exception), target);

        /// <summary>The one place that maps exception types to PowerShell error categories.</summary>
        internal static ErrorCategory CategoryOf(Exception exception)
        {
            switch (exception)
            {
                case ItemNotFoundException _:
                case FileNotFoundException _:
                case DirectoryNotFoundException _:
                    return ErrorCategory.ObjectNotFound;
                case MessageReadException _:
                    return ErrorCategory.InvalidData;
                case UnauthorizedAccessException _:
                    return ErrorCategory.PermissionDenied;
                case OperationCanceledException _:
                    return ErrorCategory.OperationStopped;
                case TimeoutException _:
                    return ErrorCategory.OperationTimeout;
                case IOException _:
                    return ErrorCategory.ReadError;
                case ArgumentException _:
                    return ErrorCategory.InvalidArgument;
                default:
                    return ErrorCategory.NotSpecified;
            }
        }
    }
}
