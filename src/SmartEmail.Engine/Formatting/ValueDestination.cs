namespace SmartEmail.Formatting
{
    /// <summary>Where a text with substituted tokens goes; each destination has its own idea of an unsafe character.</summary>
    internal enum ValueDestination
    {
        /// <summary>An OpCon event string: no line break or control character (it would split the MSGIN line), no comma
        /// in a value (it would add or shift event fields), and only characters the MSGIN encoding carries.</summary>
        EventField,

        /// <summary>One line of an audit or event log: a value's line breaks and controls become spaces.</summary>
        LogLine,

        /// <summary>A notice's subject or recipient list (a mail header): one line, as a log line.</summary>
        NoticeHeader,

        /// <summary>A notice's body: the template's own line breaks stay, a value's become spaces.</summary>
        NoticeBody,

        /// <summary>A text quoted in a diagnostic (an error or warning line of the run): one line, shortened.</summary>
        Diagnostic,
    }
}
