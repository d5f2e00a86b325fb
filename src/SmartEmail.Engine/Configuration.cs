namespace SmartEmail
{
    /// <summary>An SMArtEmail.ini as SmartEmail understands it.</summary>
    public sealed class Configuration
    {
        /// <summary>The INI file.</summary>
        public string Path { get; internal set; } = string.Empty;
        /// <summary>[General].</summary>
        public GeneralSettings General { get; internal set; } = new GeneralSettings();
        /// <summary>[Mail].</summary>
        public MailSettings Mail { get; internal set; } = new MailSettings();
        /// <summary>[Audit].</summary>
        public AuditSettings Audit { get; internal set; } = new AuditSettings();
        /// <summary>[OpCon].</summary>
        public OpConSettings OpCon { get; internal set; } = new OpConSettings();
        /// <summary>[Tokens], in file order.</summary>
        public OrderedValues Tokens { get; internal set; } = new OrderedValues();
        /// <summary>The rules, ordered by their number.</summary>
        public Rule[] Rules { get; internal set; } = new Rule[0];
        /// <summary>Every problem found while reading, errors and warnings.</summary>
        public ConfigurationFinding[] Findings { get; internal set; } = new ConfigurationFinding[0];
    }
}
