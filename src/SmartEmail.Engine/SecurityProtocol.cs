namespace SmartEmail
{
    /// <summary>The minimum TLS version a connection accepts (the reference's SecurityProtocol values).</summary>
    public enum SecurityProtocol
    {
        /// <summary>SSL 2 or later: modern platforms start at TLS 1.0 or higher, so this means "the lowest the platform allows".</summary>
        SSL2,
        /// <summary>SSL 3 or later: as SSL2.</summary>
        SSL,
        /// <summary>TLS 1.0 or later.</summary>
        TLS1,
        /// <summary>TLS 1.1 or later.</summary>
        TLS1_1,
        /// <summary>TLS 1.2 or later.</summary>
        TLS1_2,
        /// <summary>TLS 1.3 only (a SmartEmail addition; smartemail.exe stops at TLS1_2).</summary>
        TLS1_3,
    }
}
