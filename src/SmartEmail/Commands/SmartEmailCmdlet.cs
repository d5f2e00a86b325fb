using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Threading;
using SmartEmail.Ini;
using SmartEmail.Mail;

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
        public void Dispose()
        {
            Release();
            _stopping.Dispose();
        }

        /// <summary>Frees what the cmdlet holds (connections, files); PowerShell disposes cmdlets when the pipeline ends, also after an error.</summary>
        protected virtual void Release()
        {
        }

        /// <summary>Reads the messages of one file; a file that cannot be read is a non-terminating error.</summary>
        protected IEnumerable<Message> ReadMessageFile(string file)
        {
            try
            {
                return MessageFileReader.ReadFile(file, new CmdletLog(this, ErrorIds.MessageReadFailed).Log, CancellationToken);
            }
            catch (MessageReadException e)
            {
                WriteError(ToErrorRecord(e, ErrorIds.MessageReadFailed, file));
                return Array.Empty<Message>();
            }
        }

        /// <summary>
        /// Resolves one -MessagePath value to message files: wildcards expand; a folder yields its .eml files; a
        /// literal name that happens to contain wildcard characters still works. A path that matches nothing is a
        /// non-terminating ObjectNotFound error, so the other paths are still read.
        /// </summary>
        protected IEnumerable<string> ResolveMessageFiles(string path, bool recurse)
        {
            var resolved = new List<string>();
            try
            {
                foreach (var providerPath in GetResolvedProviderPathFromPSPath(path, out var provider))
                {
                    if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
                        throw new ArgumentException($"The path '{path}' is not a file system path.");
                    resolved.Add(providerPath);
                }
            }
            catch (ItemNotFoundException)
            {
            }
            catch (ArgumentException e)
            {
                WriteError(ToErrorRecord(e, ErrorIds.MessagePathNotFound, path));
                return Array.Empty<string>();
            }
            if (resolved.Count == 0)
            {
                // "report[1].eml" is a wildcard pattern that matches nothing, yet names an existing file.
                var literal = GetUnresolvedProviderPathFromPSPath(path);
                if (File.Exists(literal) || Directory.Exists(literal))
                    resolved.Add(literal);
            }
            if (resolved.Count == 0)
            {
                var error = new ItemNotFoundException($"Cannot find the message file or folder '{path}' because it does not exist.");
                WriteError(ToErrorRecord(error, ErrorIds.MessagePathNotFound, path));
                return resolved;
            }
            var files = new List<string>();
            foreach (var item in resolved)
            {
                if (Directory.Exists(item))
                {
                    var inFolder = MessageFileReader.ListFolder(item, recurse);
                    WriteVerbose($"Folder '{item}' holds {inFolder.Count} message file(s).");
                    files.AddRange(inFolder);
                }
                else
                {
                    files.Add(item);
                }
            }
            return files;
        }

        /// <summary>The file system path of an INI path, or of the default INI when none is given.</summary>
        protected string ResolveConfigurationPath(string? path) =>
            GetUnresolvedProviderPathFromPSPath(string.IsNullOrEmpty(path) ? ConfigurationReader.DefaultPath() : path);

        /// <summary>
        /// Reads the INI and refuses it when it has errors (<see cref="ConfigurationLoader.LoadValid"/>): a missing,
        /// unreadable or invalid file is a terminating error that lists every error with its line. Warnings go to the
        /// warning stream.
        /// </summary>
        protected Configuration LoadConfiguration(string? iniPath)
        {
            var path = ResolveConfigurationPath(iniPath);
            Configuration configuration;
            try
            {
                configuration = ConfigurationLoader.LoadValid(path);
            }
            catch (ConfigurationException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, path));
                throw; // not reached
            }
            foreach (var finding in configuration.Findings)
            {
                if (finding.Severity == FindingSeverity.Warning)
                    WriteWarning(finding.ToString() + FindingHint(finding));
            }
            return configuration;
        }

        /// <summary>Builds the error record for an exception, with the id the caller gives and the category <see cref="ErrorMap"/> gives.</summary>
        internal static ErrorRecord ToErrorRecord(Exception exception, string errorId, object? target) =>
            new ErrorRecord(exception, errorId, ErrorMap.CategoryOf(exception), target);

        /// <summary>
        /// The error record of a typed engine error: the id and category of its kind (<see cref="ErrorMap"/>), and, when
        /// this cmdlet has a parameter that would stand in for the setting at fault, a hint that names it.
        /// </summary>
        internal ErrorRecord ToErrorRecord(SmartEmailException exception, object? target)
        {
            var (id, category) = ErrorMap.Of(exception) ?? (ErrorIds.SmartEmailFailed, ErrorCategory.NotSpecified);
            var record = new ErrorRecord(exception, id, category, target);
            var hint = Hint(exception is ConfigurationException { Kind: ConfigurationErrorKind.Invalid }
                ? "Run Test-SmartEmailConfiguration -Detailed for every finding."
                : null, exception.Setting);
            if (hint != null)
                record.ErrorDetails = new ErrorDetails(exception.Message + Environment.NewLine + hint); // not also RecommendedAction: PowerShell 7 would show the hint twice
            return record;
        }

        // What the engine's messages leave to the front end: a setting ("[Section] Key") that a parameter can replace, and
        // the command that stores a credential setting encrypted. smartemail.ps1 has its own table for its flags.
        private static readonly Dictionary<string, string> SettingParameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["[General] MSGINDirectory"] = "MsgInDirectory",
            ["[General] OpConUser"] = "OpConCredential",
            ["[OpCon] ApiUrl"] = "ApiUrl",
            ["[OpCon] ApiUser"] = "ApiCredential",
            ["[Mail] EmailProtocol"] = "Protocol",
            ["[Mail] Server"] = "Server",
            ["[Mail] Port"] = "Port",
            ["[Mail] User"] = "Credential",
        };

        private static readonly Dictionary<string, string> SettingCommands = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["[General] OpConUser"] = "Set-SmartEmailCredential -OpConCredential stores them encrypted.",
            ["[OpCon] ApiUser"] = "Set-SmartEmailCredential -ApiToken or -ApiCredential stores them encrypted.",
            ["[Mail] User"] = "Set-SmartEmailCredential -MailCredential stores them encrypted.",
        };

        // The warnings that say a run must be told what the INI leaves out; other findings need no parameter.
        private static readonly HashSet<string> ToldSettings = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "[Mail] EmailProtocol", "[Mail] Server", "[Mail] Port" };

        private string FindingHint(ConfigurationFinding finding)
        {
            var setting = $"[{finding.Section}] {finding.Key}";
            return ToldSettings.Contains(setting) && SettingParameters.TryGetValue(setting, out var parameter) && CanStillGive(parameter)
                ? $" Or give -{parameter}."
                : string.Empty;
        }

        private string? Hint(string? first, string? setting)
        {
            var parts = new List<string>();
            if (first != null)
                parts.Add(first);
            if (setting != null && SettingCommands.TryGetValue(setting, out var command))
                parts.Add(command);
            if (setting != null && SettingParameters.TryGetValue(setting, out var parameter) && CanStillGive(parameter))
                parts.Add($"Or give -{parameter}.");
            return parts.Count == 0 ? null : string.Join(" ", parts);
        }

        /// <summary>Whether this cmdlet has the parameter in its current parameter set, and it was not given.</summary>
        private bool CanStillGive(string parameter)
        {
            if (MyInvocation.BoundParameters.ContainsKey(parameter) || !MyInvocation.MyCommand.Parameters.TryGetValue(parameter, out var metadata))
                return false;
            return metadata.ParameterSets.ContainsKey(ParameterSetName) || metadata.ParameterSets.ContainsKey(ParameterAttribute.AllParameterSets);
        }
    }
}
