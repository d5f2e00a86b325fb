namespace SmartEmail.Ini
{
    /// <summary>What kind of value an INI setting holds, which decides how it is read, checked and documented.</summary>
    public enum IniValueType
    {
        /// <summary>Free text (%VAR% expanded).</summary>
        Text,
        /// <summary>A file or folder, relative to the INI's folder.</summary>
        Path,
        /// <summary>A password, token or user name that Set-SmartEmailCredential encrypts; never expanded nor shown.</summary>
        Secret,
        /// <summary>True or False (Yes/No and 1/0 work too).</summary>
        Boolean,
        /// <summary>A whole number from <see cref="IniKey.Minimum"/> to <see cref="IniKey.Maximum"/>.</summary>
        Integer,
        /// <summary>A number of seconds above 0 and at most <see cref="IniKey.Maximum"/>.</summary>
        Seconds,
        /// <summary>One of <see cref="IniKey.Choices"/>, in any letter case.</summary>
        Choice,
        /// <summary>A date and time such as 1/1/2017 12:30:00 AM or 2017-01-01T00:30:00.</summary>
        DateTime,
        /// <summary>An IANA or Windows time zone id this machine knows.</summary>
        TimeZone,
        /// <summary>An absolute URL.</summary>
        Url,
        /// <summary>A .NET regular expression.</summary>
        Pattern,
        /// <summary>An OpCon event with [[tokens]]; Event, Event2, Event3, ... in a rule.</summary>
        Event,
        /// <summary>A ';'-separated list of addresses, any@domain, [[TOKEN]]s, or ALL.</summary>
        SenderList,
        /// <summary>HHMM-HHMM, times from 0000 to 2400.</summary>
        TimeFrame,
    }
}
