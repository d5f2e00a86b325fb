using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using SmartEmail.Mail;
using SmartEmail.Rules;

namespace SmartEmail.Commands
{
    /// <summary>Test-SmartEmailRule: the rule engine as a dry run, one SmartEmail.RuleResult per message and rule.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "SmartEmailRule", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(RuleResult))]
    public sealed class TestSmartEmailRuleCommand : SmartEmailCmdlet
    {
        private const string PathSet = "Path";
        private const string ConfigurationSet = "Configuration";
        private const string RuleSet = "Rule";
        private RuleEngine? _engine;
        private bool _pathsRead;
        private readonly HashSet<MailSource> _sources = new HashSet<MailSource>();

        /// <summary>Messages to evaluate, usually from Get-SmartEmailMessage.</summary>
        [Parameter(ValueFromPipeline = true)]
        public Message[]? Message { get; set; }

        /// <summary>Message files, mbox files or folders of .eml files to evaluate.</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? MessagePath { get; set; }

        /// <summary>The INI whose rules are used.</summary>
        [Parameter(Position = 0, ParameterSetName = PathSet)]
        [Alias("IniFile")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>A configuration from Get-SmartEmailConfiguration.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ConfigurationSet)]
        public Configuration? Configuration { get; set; }

        /// <summary>Rules from New-SmartEmailRule.</summary>
        [Parameter(Mandatory = true, ParameterSetName = RuleSet)]
        public Rule[]? Rule { get; set; }

        /// <summary>Only the rules with these names (wildcards allowed).</summary>
        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(RuleNameCompleter))]
        public string[]? RuleName { get; set; }

        /// <summary>Evaluate time windows as if the messages had arrived at this time.</summary>
        [Parameter]
        public DateTimeOffset? At { get; set; }

        protected override void BeginProcessing()
        {
            IEnumerable<Rule> rules;
            RuleSettings settings;
            switch (ParameterSetName)
            {
                case RuleSet:
                    rules = Rule!;
                    settings = new RuleSettings();
                    break;
                case ConfigurationSet:
                    rules = Configuration!.Rules;
                    settings = RuleSettings.From(Configuration);
                    break;
                default:
                    var configuration = LoadConfiguration(Path);
                    rules = configuration.Rules;
                    settings = RuleSettings.From(configuration);
                    break;
            }
            rules = SelectRules(rules.ToList());
            try
            {
                _engine = new RuleEngine(rules, settings);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, ErrorIds.RuleInvalid, null));
            }
        }

        protected override void ProcessRecord()
        {
            if (Message == null && MessagePath == null)
            {
                var error = new ArgumentException("Give messages through the pipeline (Get-SmartEmailMessage | Test-SmartEmailRule) or with -MessagePath.");
                ThrowTerminatingError(new ErrorRecord(error, ErrorIds.MessageSourceMissing, ErrorCategory.InvalidArgument, null));
            }
            foreach (var message in Message ?? Array.Empty<Message>())
                Evaluate(message);
            if (MessagePath != null && !_pathsRead)
            {
                _pathsRead = true;
                foreach (var path in MessagePath)
                foreach (var file in ResolveMessageFiles(path, recurse: false))
                foreach (var message in ReadMessageFile(file))
                    Evaluate(message);
            }
        }

        private void Evaluate(Message message)
        {
            // A body fetched for a rule may reconnect the message's mailbox; such connections end with this command.
            if (MessageStore.MailboxOf(message) is MailSource source)
                _sources.Add(source);
            try
            {
                WriteObject(_engine!.Evaluate(message, At, CancellationToken), enumerateCollection: true);
            }
            catch (MessageReadException e)
            {
                WriteError(ToErrorRecord(e, ErrorIds.MessageReadFailed, message));
            }
        }

        protected override void EndProcessing() => Release();

        protected override void Release()
        {
            foreach (var source in _sources)
                source.Disconnect();
            _sources.Clear();
        }

        private IEnumerable<Rule> SelectRules(IList<Rule> rules)
        {
            if (RuleName == null)
                return rules;
            var selected = new List<Rule>();
            foreach (var name in RuleName)
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                var matches = rules.Where(r => pattern.IsMatch(r.Name)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                {
                    var known = string.Join(", ", rules.Select(r => r.Name));
                    var error = new ItemNotFoundException($"There is no rule named '{name}'. The rules are: {known}.");
                    WriteError(ToErrorRecord(error, ErrorIds.RuleNotFound, name));
                }
                selected.AddRange(matches.Where(m => !selected.Contains(m)));
            }
            return rules.Where(selected.Contains); // keep the evaluation order of the INI
        }
    }
}
