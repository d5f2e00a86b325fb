#Requires -Version 7.2
# Proves the Entra ID stand-in (tests/services/oauth_server.py) and dovecot's XOAUTH2/OAUTHBEARER wiring end to end,
# without the SmartEmail module: tokens are fetched with Invoke-RestMethod, mail logins are made by /usr/bin/python3
# (imaplib/poplib; curl 7.88 sends OAUTHBEARER even when told AUTH=XOAUTH2), trusting exactly the harness certificate.
# Needs SMARTEMAIL_TEST_SERVICES (ROOT/services.json of a running harness); build.ps1 -Task Test sets it.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServices.psm1') -Force
    $Service = Get-TestService
    Reset-TestOAuth
    $Tenant = New-TestOAuthTenant -Domain 'contoso.test'
    $Scope = 'https://outlook.office365.com/.default'
    $DelegatedScope = 'https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/POP.AccessAsUser.All'

    # A mail client for one SASL login: prints {"ok", "detail", "messages"} as JSON. The token comes from the
    # environment, never the command line.
    $MailClient = Join-Path $TestDrive 'mail_login.py'
    Set-Content -LiteralPath $MailClient -Encoding utf8 -Value @'
import base64, imaplib, json, os, poplib, ssl, sys
proto, host, port, user, mech, cafile = sys.argv[1:7]
token = os.environ["SE_OAUTH_TOKEN"]
if mech == "XOAUTH2":
    payload = "user=%s\x01auth=Bearer %s\x01\x01" % (user, token)
else:  # OAUTHBEARER, RFC 7628
    payload = "n,a=%s,\x01host=%s\x01port=%s\x01auth=Bearer %s\x01\x01" % (user, host, port, token)
ctx = ssl.create_default_context(cafile=cafile)
result = {"ok": False, "detail": None, "messages": None}
try:
    if proto == "imap":
        client = imaplib.IMAP4_SSL(host, int(port), ssl_context=ctx)
        sent = []
        def answer(challenge):
            if sent:  # the server's error challenge: answer it empty, the server then says NO
                result["detail"] = challenge.decode("utf-8", "replace")
                return b""
            sent.append(True)
            return payload.encode()
        try:
            typ, data = client.authenticate(mech, answer)
            typ, data = client.select("INBOX", readonly=True)
            result.update(ok=typ == "OK", messages=int(data[0]))
            client.logout()
        except imaplib.IMAP4.error as e:
            result["detail"] = "%s %s" % (result["detail"] or "", e)
    else:
        client = poplib.POP3_SSL(host, int(port), context=ctx)
        client._putcmd("AUTH %s %s" % (mech, base64.b64encode(payload.encode()).decode()))
        line, _ = client._getline()
        if line.startswith(b"+ ") or line == b"+":
            client._putcmd("")
            error, _ = client._getline()
            result["detail"] = "%s %s" % (base64.b64decode(line[2:]).decode("utf-8", "replace"), error.decode())
        elif line.startswith(b"+OK"):
            count, _ = client.stat()
            result.update(ok=True, messages=count)
            client.quit()
        else:
            result["detail"] = line.decode("utf-8", "replace")
except (OSError, poplib.error_proto) as e:
    result["detail"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(result))
'@

    function Invoke-MailLogin {
        param(
            [ValidateSet('imap', 'pop3')] [string] $Protocol,
            [string] $User,
            [string] $Token,
            [ValidateSet('XOAUTH2', 'OAUTHBEARER')] [string] $Mechanism = 'XOAUTH2'
        )
        $port = $Service.$Protocol.tlsPort
        $env:SE_OAUTH_TOKEN = $Token
        try {
            $out = & /usr/bin/python3 $MailClient $Protocol $Service.host $port $User $Mechanism $Service.certificate
        } finally {
            Remove-Item Env:SE_OAUTH_TOKEN -ErrorAction SilentlyContinue
        }
        $LASTEXITCODE | Should -Be 0 -Because "the python mail client must run ($out)"
        $out | ConvertFrom-Json
    }

    # POSTs a form to the stand-in; returns Status and Body (never throws on 4xx).
    function Invoke-OAuthPost {
        param([string] $TenantSegment, [string] $Endpoint, [hashtable] $Form)
        $uri = '{0}/oauth2/v2.0/{1}' -f (Get-TestOAuthAuthority $TenantSegment), $Endpoint
        $body = Invoke-RestMethod -Method Post -Uri $uri -Body $Form -ContentType 'application/x-www-form-urlencoded' `
            -SkipCertificateCheck -SkipHttpErrorCheck -StatusCodeVariable status
        [pscustomobject]@{ Status = [int]$status; Body = $body; Uri = $uri }
    }

    function ConvertFrom-Base64Url([string] $Text) {
        $t = $Text.Replace('-', '+').Replace('_', '/')
        $t += '=' * ((4 - $t.Length % 4) % 4)
        [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($t)) | ConvertFrom-Json
    }
    function ConvertTo-Base64Url([byte[]] $Bytes) {
        [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')
    }

    # A client assertion as MSAL.NET builds it: PS256 + x5t#S256 (Entra authorities) or RS256 + x5t (others);
    # nbf/exp as strings, aud = the token endpoint.
    function New-ClientAssertion {
        param([string] $CertificatePath, [string] $KeyPath, [string] $ClientId, [string] $Audience,
            [ValidateSet('PS256', 'RS256')] [string] $Algorithm = 'PS256')
        $cert = [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content -Raw $CertificatePath))
        $rsa = [Security.Cryptography.RSA]::Create()
        $rsa.ImportFromPem((Get-Content -Raw $KeyPath))
        $header = [ordered]@{ alg = $Algorithm; typ = 'JWT' }
        if ($Algorithm -eq 'PS256') {
            $header['x5t#S256'] = ConvertTo-Base64Url ([Security.Cryptography.SHA256]::HashData($cert.RawData))
        } else {
            $header['x5t'] = ConvertTo-Base64Url ([Security.Cryptography.SHA1]::HashData($cert.RawData))
        }
        $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
        $claims = [ordered]@{ aud = $Audience; iss = $ClientId; sub = $ClientId; nbf = "$now"; exp = "$($now + 600)"
            jti = [guid]::NewGuid().ToString() }
        $unsigned = '{0}.{1}' -f (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes(($header | ConvertTo-Json -Compress)))),
            (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes(($claims | ConvertTo-Json -Compress))))
        $padding = if ($Algorithm -eq 'PS256') { [Security.Cryptography.RSASignaturePadding]::Pss }
        else { [Security.Cryptography.RSASignaturePadding]::Pkcs1 }
        $signature = $rsa.SignData([Text.Encoding]::ASCII.GetBytes($unsigned),
            [Security.Cryptography.HashAlgorithmName]::SHA256, $padding)
        '{0}.{1}' -f $unsigned, (ConvertTo-Base64Url $signature)
    }

    function New-TestCertificate([string] $Name) {
        $cert = Join-Path $TestDrive "$Name.crt.pem"
        $key = Join-Path $TestDrive "$Name.key.pem"
        $out = & openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$Name" -keyout $key -out $cert 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "openssl must make a test certificate ($out)"
        [pscustomobject]@{ Certificate = $cert; Key = $key }
    }
}

AfterAll {
    Reset-TestOAuth
    Remove-Module TestServices -ErrorAction SilentlyContinue
}

Describe 'Entra ID stand-in with dovecot XOAUTH2' -Tag 'Integration', 'Services', 'OAuth' {

    Context 'services.json and metadata' {
        It 'describes the OAuth server, whose OpenID metadata names its own endpoints' {
            $Service.oauth.authority | Should -Be "https://localhost:$($Service.oauth.port)"
            $Service.oauth.introspectPort | Should -Not -Be $Service.oauth.port
            $doc = Invoke-RestMethod -SkipCertificateCheck -Uri "$(Get-TestOAuthAuthority contoso.test)/v2.0/.well-known/openid-configuration"
            $doc.issuer | Should -Be "$($Service.oauth.authority)/$($Tenant.id)/v2.0"
            $doc.token_endpoint | Should -Be "$($Service.oauth.authority)/contoso.test/oauth2/v2.0/token"
            $doc.device_authorization_endpoint | Should -BeLike '*/contoso.test/oauth2/v2.0/devicecode'
        }
    }

    Context 'app-only token with a client secret' {
        BeforeAll {
            $AppId = [guid]::NewGuid().ToString()
            $null = Register-TestOAuthClient -Tenant $Tenant.id -ClientId $AppId -Secret 'app-secret' -Mailbox alice
            $r = Invoke-OAuthPost contoso.test token @{
                grant_type = 'client_credentials'; client_id = $AppId; client_secret = 'app-secret'; scope = $Scope }
            $AppToken = $r.Body.access_token
            $AppTokenStatus = $r
        }

        It 'issues a Bearer token' {
            $AppTokenStatus.Status | Should -Be 200
            $AppTokenStatus.Body.token_type | Should -Be 'Bearer'
            $AppTokenStatus.Body.expires_in | Should -Be 3600
            $AppToken | Should -Not -BeNullOrEmpty
        }

        It 'logs into IMAP with XOAUTH2 and opens the mailbox the app was granted' {
            # Two more messages in alice's Maildir: the INBOX opened must count them, so it is hers and not an empty one.
            $null = Add-TestMaildirMessage -User alice -Count 2 -SubjectPrefix 'OAuth login'
            $maildir = Join-Path $Service.root 'mail/alice/Maildir'
            $inbox = @(Get-ChildItem -LiteralPath (Join-Path $maildir 'new'), (Join-Path $maildir 'cur') -File).Count
            $login = Invoke-MailLogin -Protocol imap -User alice -Token $AppToken
            $login.detail | Should -BeNullOrEmpty
            $login.ok | Should -BeTrue
            $login.messages | Should -Be $inbox -Because "alice's Maildir holds $inbox messages"
        }

        It 'logs into POP3 with XOAUTH2' {
            $login = Invoke-MailLogin -Protocol pop3 -User alice -Token $AppToken
            $login.detail | Should -BeNullOrEmpty
            $login.ok | Should -BeTrue
        }

        It 'logs into IMAP with OAUTHBEARER too' {
            (Invoke-MailLogin -Protocol imap -User alice -Token $AppToken -Mechanism OAUTHBEARER).ok | Should -BeTrue
        }

        It 'is refused for another mailbox: dovecot compares the introspected username with the login name' {
            $login = Invoke-MailLogin -Protocol imap -User bob -Token $AppToken
            $login.ok | Should -BeFalse
            $login.detail | Should -BeLike '*AUTHENTICATIONFAILED*'
        }

        It 'is refused for an app without mailbox access' {
            $other = [guid]::NewGuid().ToString()
            $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $other -Secret 'x'
            $r = Invoke-OAuthPost contoso.test token @{
                grant_type = 'client_credentials'; client_id = $other; client_secret = 'x'; scope = $Scope }
            $r.Status | Should -Be 200
            (Invoke-MailLogin -Protocol imap -User alice -Token $r.Body.access_token).ok | Should -BeFalse
        }

        It 'is refused with a token the server never issued' {
            $login = Invoke-MailLogin -Protocol pop3 -User alice -Token ($AppToken.Substring(0, $AppToken.Length - 4) + 'AAAA')
            $login.ok | Should -BeFalse
            $login.detail | Should -BeLike '*"status":"401"*'
        }

        It 'answers a wrong secret with 401 invalid_client AADSTS7000215' {
            $r = Invoke-OAuthPost contoso.test token @{
                grant_type = 'client_credentials'; client_id = $AppId; client_secret = 'not-the-secret'; scope = $Scope }
            $r.Status | Should -Be 401
            $r.Body.error | Should -Be 'invalid_client'
            $r.Body.error_codes | Should -Be @(7000215)
            $r.Body.error_description | Should -BeLike "AADSTS7000215: Invalid client secret provided.*app '$AppId'.*Trace ID: *Correlation ID: *"
        }

        It 'answers an unknown client with AADSTS700016 and an unknown tenant with AADSTS90002' {
            $r = Invoke-OAuthPost contoso.test token @{
                grant_type = 'client_credentials'; client_id = 'no-such-app'; client_secret = 'x'; scope = $Scope }
            $r.Status | Should -Be 400
            $r.Body.error | Should -Be 'unauthorized_client'
            $r.Body.error_codes | Should -Be @(700016)
            $r = Invoke-OAuthPost nowhere.test token @{
                grant_type = 'client_credentials'; client_id = $AppId; client_secret = 'app-secret'; scope = $Scope }
            $r.Status | Should -Be 400
            $r.Body.error_codes | Should -Be @(90002)
        }

        It 'refuses the token at the next login once it is expired' {
            $r = Invoke-OAuthPost contoso.test token @{
                grant_type = 'client_credentials'; client_id = $AppId; client_secret = 'app-secret'; scope = $Scope }
            (Invoke-MailLogin -Protocol imap -User alice -Token $r.Body.access_token).ok | Should -BeTrue
            Set-TestAccessTokenExpired | Should -BeGreaterOrEqual 1
            (Invoke-MailLogin -Protocol imap -User alice -Token $r.Body.access_token).ok | Should -BeFalse
        }
    }

    Context 'device code flow' {
        BeforeAll {
            $PublicId = [guid]::NewGuid().ToString()
            $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $PublicId -Public
            $form = @{ client_id = $PublicId; scope = "$DelegatedScope offline_access openid profile" }
            $Device = (Invoke-OAuthPost contoso.test devicecode $form).Body
            $Poll = @{ grant_type = 'urn:ietf:params:oauth:grant-type:device_code'; client_id = $PublicId
                device_code = $Device.device_code; client_info = '1' }
        }

        It 'hands out a user code and a sign-in message' {
            $Device.user_code | Should -MatchExactly '^[A-Z0-9]{8}$'
            $Device.message | Should -Be ("To sign in, use a web browser to open the page $($Service.oauth.authority)/devicelogin " +
                "and enter the code $($Device.user_code) to authenticate.")
            (Get-TestDeviceCode -ClientId $PublicId).user_code | Should -Be $Device.user_code
        }

        It 'answers authorization_pending until the user signs in, then tokens for that user' {
            $pending = Invoke-OAuthPost contoso.test token $Poll
            $pending.Status | Should -Be 400
            $pending.Body.error | Should -Be 'authorization_pending'
            $pending.Body.error_description | Should -BeLike 'AADSTS70016: *'

            (Approve-TestDeviceCode -User bob -ClientId $PublicId).status | Should -Be 'approved'
            $r = Invoke-OAuthPost contoso.test token $Poll
            $r.Status | Should -Be 200
            $r.Body.scope | Should -Be $DelegatedScope
            $r.Body.refresh_token | Should -Not -BeNullOrEmpty
            $r.Body.PSObject.Properties['refresh_token_expires_in'] | Should -BeNullOrEmpty
            $id = ConvertFrom-Base64Url $r.Body.id_token.Split('.')[1]
            $id.preferred_username | Should -Be 'bob'
            $id.aud | Should -Be $PublicId
            $id.tid | Should -Be $Tenant.id
            $info = ConvertFrom-Base64Url $r.Body.client_info
            $info.uid | Should -Be $id.oid
            $info.utid | Should -Be $Tenant.id
            $script:BobTokens = $r.Body
        }

        It 'the delegated token opens the signed-in user''s mailbox over IMAP and POP3 with XOAUTH2' {
            (Invoke-MailLogin -Protocol imap -User bob -Token $BobTokens.access_token).ok | Should -BeTrue
            (Invoke-MailLogin -Protocol pop3 -User bob -Token $BobTokens.access_token).ok | Should -BeTrue
            (Invoke-MailLogin -Protocol imap -User alice -Token $BobTokens.access_token).ok | Should -BeFalse
        }

        It 'redeems the refresh token for new tokens with a new refresh token, and logs it' {
            $r = Invoke-OAuthPost contoso.test token @{ grant_type = 'refresh_token'; client_id = $PublicId
                refresh_token = $BobTokens.refresh_token; scope = "$DelegatedScope offline_access" }
            $r.Status | Should -Be 200
            $r.Body.refresh_token | Should -Not -Be $BobTokens.refresh_token
            $r.Body.access_token | Should -Not -Be $BobTokens.access_token
            $entry = @(Get-TestOAuthLog -GrantType refresh_token)[-1]
            $entry.client_id | Should -Be $PublicId
            $entry.user | Should -Be 'bob'
            $entry.status | Should -Be 200
            $script:BobRefreshed = $r.Body
        }

        It 'a used device code cannot be redeemed again' {
            $r = Invoke-OAuthPost contoso.test token $Poll
            $r.Status | Should -Be 400
            $r.Body.error | Should -Be 'invalid_grant'
        }

        It 'after revocation the access token is refused by dovecot and the refresh token by the token endpoint' {
            (Invoke-MailLogin -Protocol imap -User bob -Token $BobRefreshed.access_token).ok | Should -BeTrue
            Revoke-TestOAuthToken -User bob | Should -BeGreaterOrEqual 4
            $login = Invoke-MailLogin -Protocol imap -User bob -Token $BobRefreshed.access_token
            $login.ok | Should -BeFalse
            $login.detail | Should -BeLike '*AUTHENTICATIONFAILED*'
            $r = Invoke-OAuthPost contoso.test token @{ grant_type = 'refresh_token'; client_id = $PublicId
                refresh_token = $BobRefreshed.refresh_token }
            $r.Status | Should -Be 400
            $r.Body.error | Should -Be 'invalid_grant'
            $r.Body.error_codes | Should -Be @(50173)
            @(Get-TestOAuthLog -Introspection | Where-Object user -EQ 'bob').Count | Should -BeGreaterOrEqual 2
        }

        It 'a declined device code gets authorization_declined' {
            $d = (Invoke-OAuthPost contoso.test devicecode @{ client_id = $PublicId; scope = $DelegatedScope }).Body
            $null = Approve-TestDeviceCode -UserCode $d.user_code -Decline
            $r = Invoke-OAuthPost contoso.test token @{ grant_type = 'urn:ietf:params:oauth:grant-type:device_code'
                client_id = $PublicId; device_code = $d.device_code }
            $r.Status | Should -Be 400
            $r.Body.error | Should -Be 'authorization_declined'
        }
    }

    Context 'browser sign-in (authorization code with PKCE)' {
        It 'redirects with a code only when armed, and checks the code verifier' {
            $publicId = [guid]::NewGuid().ToString()
            $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $publicId -Public
            $verifier = ConvertTo-Base64Url ([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
            $challenge = ConvertTo-Base64Url ([Security.Cryptography.SHA256]::HashData([Text.Encoding]::ASCII.GetBytes($verifier)))
            $redirect = 'http://localhost:49152/'
            $query = 'client_id={0}&redirect_uri={1}&response_type=code&scope={2}&state=st-42&code_challenge={3}&code_challenge_method=S256' -f
                $publicId, [uri]::EscapeDataString($redirect), [uri]::EscapeDataString($DelegatedScope), $challenge
            $url = "$(Get-TestOAuthAuthority $Tenant.id)/oauth2/v2.0/authorize?$query"

            # HttpClient without redirects: Invoke-WebRequest refuses an https -> http redirect even when it need not follow it.
            $handler = [Net.Http.HttpClientHandler]::new()
            $handler.AllowAutoRedirect = $false
            $handler.ServerCertificateCustomValidationCallback = [Net.Http.HttpClientHandler]::DangerousAcceptAnyServerCertificateValidator
            $http = [Net.Http.HttpClient]::new($handler)
            try {
                $page = $http.GetAsync($url).GetAwaiter().GetResult()
                [int]$page.StatusCode | Should -Be 200
                $page.Content.ReadAsStringAsync().GetAwaiter().GetResult() | Should -BeLike '*sign-in not armed*'

                Set-TestBrowserSignIn -User carol
                $answer = $http.GetAsync($url).GetAwaiter().GetResult()
            } finally {
                $http.Dispose()
            }
            [int]$answer.StatusCode | Should -Be 302
            $location = $answer.Headers.Location
            $location.GetLeftPart([UriPartial]::Path) | Should -Be $redirect
            $params = [Web.HttpUtility]::ParseQueryString($location.Query)
            $params['state'] | Should -Be 'st-42'
            $params['client_info'] | Should -Not -BeNullOrEmpty

            $form = @{ grant_type = 'authorization_code'; client_id = $publicId; code = $params['code']; redirect_uri = $redirect }
            $bad = Invoke-OAuthPost $Tenant.id token ($form + @{ code_verifier = 'wrong-verifier' })
            $bad.Status | Should -Be 400
            $bad.Body.error_codes | Should -Be @(501481)
            $good = Invoke-OAuthPost $Tenant.id token ($form + @{ code_verifier = $verifier })
            $good.Status | Should -Be 200
            (Invoke-MailLogin -Protocol imap -User carol -Token $good.Body.access_token).ok | Should -BeTrue
        }
    }

    Context 'certificate client assertion' {
        BeforeAll {
            $Registered = New-TestCertificate 'registered'
            $Stranger = New-TestCertificate 'stranger'
            $CertAppId = [guid]::NewGuid().ToString()
            $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $CertAppId -CertificatePath $Registered.Certificate -Mailbox carol
            $TokenUri = "$(Get-TestOAuthAuthority contoso.test)/oauth2/v2.0/token"
            function Get-CertificateToken($Pair, [string] $Algorithm = 'PS256', [string] $Audience = $TokenUri) {
                $assertion = New-ClientAssertion -CertificatePath $Pair.Certificate -KeyPath $Pair.Key -ClientId $CertAppId `
                    -Audience $Audience -Algorithm $Algorithm
                Invoke-OAuthPost contoso.test token @{ grant_type = 'client_credentials'; client_id = $CertAppId; scope = $Scope
                    client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'; client_assertion = $assertion }
            }
        }

        It 'accepts a PS256 assertion (x5t#S256) signed by the registered certificate, and the token opens the mailbox' {
            $r = Get-CertificateToken $Registered PS256
            $r.Status | Should -Be 200
            (Invoke-MailLogin -Protocol imap -User carol -Token $r.Body.access_token).ok | Should -BeTrue
        }

        It 'accepts an RS256 assertion (x5t) too' {
            (Get-CertificateToken $Registered RS256).Status | Should -Be 200
        }

        It 'answers an assertion signed by an unregistered certificate with 401 invalid_client AADSTS700027' {
            $r = Get-CertificateToken $Stranger PS256
            $r.Status | Should -Be 401
            $r.Body.error | Should -Be 'invalid_client'
            $r.Body.error_codes | Should -Be @(700027)
            $r.Body.error_description | Should -BeLike 'AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.*'
        }

        It 'refuses an assertion for another audience' {
            $r = Get-CertificateToken $Registered PS256 'https://login.microsoftonline.com/contoso.test/oauth2/v2.0/token'
            $r.Status | Should -Be 401
            $r.Body.error_codes | Should -Be @(700027)
        }
    }
}
