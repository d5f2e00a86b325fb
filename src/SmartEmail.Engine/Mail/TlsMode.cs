namespace SmartEmail.Mail
{
    /// <summary>How TLS is used on a mail connection.</summary>
    public enum TlsMode
    {
        /// <summary>
        /// Implicit TLS on the standard TLS port (993, 995; 465 for SMTP), required STARTTLS on the standard plain ports
        /// (143, 110; 587 and 25), and on any other port what the server shows: a plain-text greeting within a short wait
        /// gets STARTTLS (required), silence gets implicit TLS on the same connection.
        /// </summary>
        Auto,
        /// <summary>TLS from the first byte (IMAPS, POP3S), whatever the port.</summary>
        Implicit,
        /// <summary>STARTTLS, required: a server that does not offer it is refused.</summary>
        StartTls,
        /// <summary>No TLS at all: passwords travel in clear text. Only for test servers on a trusted network.</summary>
        None,
    }
}
