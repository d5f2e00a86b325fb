#Requires -Version 7.2
# Proves the Microsoft Graph stand-in (tests/services/graph_server.py) against what the Graph documentation says of
# the calls a mail reader makes, without the SmartEmail module: tokens come from the Entra ID stand-in
# (oauth_server.py) with Invoke-RestMethod, and every Graph call is made with Invoke-WebRequest. Needs
# SMARTEMAIL_TEST_SERVICES (ROOT/services.json of a running harness); build.ps1 -Task Test sets it.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServices.psm1') -Force
    $Service = Get-TestService
    $Graph = Start-TestGraph -Folder $TestDrive
    Reset-TestOAuth
    $null = New-TestOAuthTenant -Domain 'contoso.test'
    $Alice = ($Service.users | Where-Object name -EQ alice).address
    $Bob = ($Service.users | Where-Object name -EQ bob).address

    function Get-AppToken([string[]] $Roles, [string] $Mailbox = 'alice') {
        $id = [guid]::NewGuid().ToString()
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $id -Secret 's3cret' -Mailbox $Mailbox -Roles $Roles
        $uri = '{0}/oauth2/v2.0/token' -f (Get-TestOAuthAuthority contoso.test)
        (Invoke-RestMethod -Method Post -Uri $uri -SkipCertificateCheck -ContentType 'application/x-www-form-urlencoded' -Body @{
            grant_type = 'client_credentials'; client_id = $id; client_secret = 's3cret'; scope = 'https://graph.microsoft.com/.default' }).access_token
    }
    function Invoke-Graph([string] $Method = 'Get', [string] $Path, [string] $Token, [string] $Prefer, [object] $Body) {
        $uri = if ($Path -like 'https://*') { $Path } else { $Graph.Endpoint + '/v1.0/' + $Path.TrimStart('/') }
        $headers = @{}
        if ($Token) { $headers.Authorization = "Bearer $Token" }
        if ($Prefer) { $headers.Prefer = $Prefer }
        $request = @{ Method = $Method; Uri = $uri; Headers = $headers; SkipCertificateCheck = $true; SkipHttpErrorCheck = $true }
        if ($null -ne $Body) { $request.Body = $Body | ConvertTo-Json -Depth 6 -Compress; $request.ContentType = 'application/json' }
        $r = Invoke-WebRequest @request
        $text = if ($r.Content -is [byte[]]) { [Text.Encoding]::UTF8.GetString($r.Content) } else { $r.Content }
        $json = if ("$($r.Headers['Content-Type'])" -like 'application/json*' -and $text) { $text | ConvertFrom-Json } else { $null }
        [pscustomobject]@{ Status = [int] $r.StatusCode; Json = $json; Raw = $text; Headers = $r.Headers }
    }
    function New-Mime([string] $Subject, [string] $Attachment) {
        $text = "From: Ops <ops@smartemail.test>`r`nTo: $Alice`r`nSubject: $Subject`r`nDate: Tue, 01 Dec 2026 10:00:00 +0000`r`nMessage-ID: <$([guid]::NewGuid())@smartemail.test>`r`nMIME-Version: 1.0`r`n"
        if ($Attachment) {
            $text += "Content-Type: multipart/mixed; boundary=b1`r`n`r`n--b1`r`nContent-Type: text/plain`r`n`r`nbody of $Subject`r`n--b1`r`nContent-Type: application/pdf`r`nContent-Disposition: attachment; filename=`"$Attachment`"`r`nContent-Transfer-Encoding: base64`r`n`r`nJVBERg==`r`n--b1--`r`n"
        } else {
            $text += "Content-Type: text/plain; charset=utf-8`r`n`r`nbody of $Subject`r`n"
        }
        $file = Join-Path $TestDrive "$([guid]::NewGuid()).eml"
        [System.IO.File]::WriteAllText($file, $text)
        $file
    }
    function Read-Delta([string] $Link, [string] $Token, [int] $PageSize = 10, [switch] $Immutable) {
        $prefer = "odata.maxpagesize=$PageSize" + $(if ($Immutable) { ', IdType="ImmutableId"' } else { '' })
        $pages = @(); $items = @()
        while ($Link) {
            $r = Invoke-Graph -Path $Link -Token $Token -Prefer $prefer
            if ($r.Status -ne 200) { return [pscustomobject]@{ Status = $r.Status; Json = $r.Json; Pages = $pages; Items = $items; DeltaLink = $null } }
            $pages += ,$r.Json
            $items += @($r.Json.value)
            $Link = $r.Json.'@odata.nextLink'
            $delta = $r.Json.'@odata.deltaLink'
        }
        [pscustomobject]@{ Status = 200; Pages = $pages; Items = $items; DeltaLink = $delta }
    }
    $ReadWrite = Get-AppToken -Roles 'Mail.ReadWrite'
    $InboxDelta = "users/$Alice/mailFolders/inbox/messages/delta?`$select=subject,from,receivedDateTime,hasAttachments"
}

AfterAll {
    if ($Graph -and -not $Graph.Process.HasExited) { & /bin/kill -TERM $Graph.Process.Id; $null = $Graph.Process.WaitForExit(10000) }
    Reset-TestOAuth
}

Describe 'The Graph stand-in' -Tag 'Integration', 'Services' {
    BeforeEach {
        $null = Invoke-TestGraphControl -Url $Graph.Url -Path reset
    }

    It 'pages a folder''s delta by Prefer: odata.maxpagesize, with $select, and ends with a delta link' {
        1..25 | ForEach-Object { $null = Add-TestGraphMessage -Url $Graph.Url -User $Alice -Path (New-Mime "Job $_") }

        $d = Read-Delta -Link $InboxDelta -Token $ReadWrite -PageSize 10

        $d.Status | Should -Be 200
        $d.Pages.Count | Should -Be 3
        $d.Items.subject | Should -Be @(1..25 | ForEach-Object { "Job $_" })
        @($d.Items.id | Sort-Object -Unique).Count | Should -Be 25
        $d.Pages[0].'@odata.nextLink' | Should -Match '\$skiptoken='
        $d.DeltaLink | Should -Match '\$deltatoken='
        $d.Items[0].PSObject.Properties.Name | Should -Not -Contain 'body' -Because '$select names only four properties'
        $d.Items[0].from.emailAddress.address | Should -Be 'ops@smartemail.test'
        (Read-Delta -Link $InboxDelta -Token $ReadWrite).Pages[0].value.Count | Should -Be 10 -Because 'the default page is 10 messages'
    }

    It 'gives through the delta link only what changed: new messages, and @removed for one deleted' {
        $first = @(1..3 | ForEach-Object { Add-TestGraphMessage -Url $Graph.Url -User $Alice -Path (New-Mime "Old $_") })
        $d = Read-Delta -Link $InboxDelta -Token $ReadWrite
        (Read-Delta -Link $d.DeltaLink -Token $ReadWrite).Items.Count | Should -Be 0 -Because 'nothing changed yet'
        $null = Add-TestGraphMessage -Url $Graph.Url -User $Alice -Path (New-Mime 'New 1'), (New-Mime 'New 2')

        (Invoke-Graph -Method Delete -Path "users/$Alice/messages/$($first[1].id)" -Token $ReadWrite).Status | Should -Be 204
        $changes = Read-Delta -Link $d.DeltaLink -Token $ReadWrite

        @($changes.Items | Where-Object subject).subject | Should -Be @('New 1', 'New 2')
        $removed = @($changes.Items | Where-Object { $_.PSObject.Properties.Name -contains '@removed' })
        $removed.id | Should -Be @($first[1].id)
        $removed[0].'@removed'.reason | Should -Be 'deleted'
        (Invoke-TestGraphControl -Url $Graph.Url -Path 'messages?user=alice&folder=deleteditems' -Method Get).value.subject | Should -Be @('Old 2')
    }

    It 'keeps paging stable when a message goes between two pages' {
        $added = @(1..12 | ForEach-Object { Add-TestGraphMessage -Url $Graph.Url -User $Alice -Path (New-Mime "M $_") })
        $page = Invoke-Graph -Path $InboxDelta -Token $ReadWrite -Prefer 'odata.maxpagesize=5'
        $page.Json.value.subject | Should -Be @('M 1', 'M 2', 'M 3', 'M 4', 'M 5')
        (Invoke-Graph -Method Post -Path "users/$Alice/messages/$($added[2].id)/permanentDelete" -Token $ReadWrite).Status | Should -Be 204

        $rest = Read-Delta -Link $page.Json.'@odata.nextLink' -Token $ReadWrite -PageSize 5

        $rest.Items.subject | Should -Be @(6..12 | ForEach-Object { "M $_" })
        (Read-Delta -Link $rest.DeltaLink -Token $ReadWrite).Items.id | Should -Be @($added[2].id) -Because 'the delete comes with the next delta'
    }

    It 'answers 410 SyncStateNotFound for a delta link it no longer knows' {
        $null = Add-TestGraphMessage -Url $Graph.Url -User $Alice -Path (New-Mime 'x')
        $d = Read-Delta -Link $InboxDelta -Token $ReadWrite
        $null = Invoke-TestGraphControl -Url $Graph.Url -Path expire_delta

        $r = Invoke-Graph -Path $d.DeltaLink -Token $ReadWrite

        $r.Status | Should -Be 410
        $r.Json.error.code | Should -Be 'SyncStateNotFound'
        (Invoke-Graph -Path ($d.DeltaLink -replace 'deltatoken=[^&]+', 'deltatoken=bm90LWEtdG9rZW4') -Token $ReadWrite).Status | Should -Be 410
    }

    It 'serves a message, its MIME and its attachments, and keeps an immutable id across a move' {
        $m = Add-TestGraphMessage -Url $Graph.Url -User $Alice -Path (New-Mime 'Report' 'daily.pdf')
        $folder = (Invoke-TestGraphControl -Url $Graph.Url -Path folder -Body @{ user = $Alice; path = 'Processed/2026' }).id

        $one = Invoke-Graph -Path "users/$Alice/messages/$($m.id)?`$select=subject,internetMessageHeaders" -Token $ReadWrite
        $one.Json.subject | Should -Be 'Report'
        ($one.Json.internetMessageHeaders | Where-Object name -EQ 'Subject').value | Should -Be 'Report'
        (Invoke-Graph -Path "users/$Alice/messages/$($m.id)/`$value" -Token $ReadWrite).Raw | Should -Match 'filename="daily.pdf"'
        (Invoke-Graph -Path "users/$Alice/messages/$($m.id)/attachments" -Token $ReadWrite).Json.value.name | Should -Be @('daily.pdf')
        (Invoke-Graph -Path "users/$Alice/mailFolders/inbox/childFolders" -Token $ReadWrite).Json.value.Count | Should -Be 0
        $top = Invoke-Graph -Path "users/$Alice/mailFolders?`$filter=displayName eq 'Processed'" -Token $ReadWrite
        $child = Invoke-Graph -Path "users/$Alice/mailFolders/$($top.Json.value[0].id)/childFolders?`$filter=displayName eq '2026'" -Token $ReadWrite
        $child.Json.value[0].id | Should -Be $folder

        $moved = Invoke-Graph -Method Post -Path "users/$Alice/messages/$($m.immutableId)/move" -Token $ReadWrite -Prefer 'IdType="ImmutableId"' -Body @{ destinationId = $folder }
        $moved.Status | Should -Be 201
        $moved.Json.id | Should -Be $m.immutableId
        $moved.Json.parentFolderId | Should -Be $folder
        $plain = Invoke-Graph -Method Post -Path "users/$Alice/messages/$($m.immutableId)/move" -Token $ReadWrite -Body @{ destinationId = 'archive' }
        $plain.Json.id | Should -Not -Be $m.id -Because 'an id that is not immutable changes with every move'
        (Invoke-Graph -Path "users/$Alice/messages/$($m.id)" -Token $ReadWrite).Status | Should -Be 200 -Because 'an old id still finds the message here'
    }

    It 'refuses what the token does not allow: <Name>' -ForEach @(
        @{ Name = 'no token'; Token = { $null }; User = 'alice'; Status = 401; Code = 'InvalidAuthenticationToken' }
        @{ Name = 'a token it never issued'; Token = { 'eyJub3QiOiJhIHRva2VuIn0' }; User = 'alice'; Status = 401; Code = 'InvalidAuthenticationToken' }
        @{ Name = 'another mailbox than the app''s'; Token = { $ReadWrite }; User = 'bob'; Status = 403; Code = 'ErrorAccessDenied' }
        @{ Name = 'an app without Mail.ReadWrite'; Token = { Get-AppToken -Roles 'IMAP.AccessAsApp' }; User = 'alice'; Status = 403; Code = 'ErrorAccessDenied' }
        @{ Name = 'a user it does not hold'; Token = { $ReadWrite }; User = 'nobody'; Status = 404; Code = 'ErrorInvalidUser' }
    ) {
        $address = ($Service.users | Where-Object name -EQ $User).address
        if (-not $address) { $address = "$User@smartemail.test" }

        $r = Invoke-Graph -Path "users/$address/mailFolders/inbox/messages/delta" -Token (& $Token)

        $r.Status | Should -Be $Status
        $r.Json.error.code | Should -Be $Code
        $r.Json.error.innerError.'request-id' | Should -Not -BeNullOrEmpty
        $r.Headers['request-id'] | Should -Not -BeNullOrEmpty
    }

    It 'throttles with 429 and Retry-After when armed, then answers again' {
        $null = Invoke-TestGraphControl -Url $Graph.Url -Path throttle -Body @{ count = 2; status = 429; retry_after = 3 }

        $first = Invoke-Graph -Path $InboxDelta -Token $ReadWrite
        $second = Invoke-Graph -Path $InboxDelta -Token $ReadWrite
        $third = Invoke-Graph -Path $InboxDelta -Token $ReadWrite

        $first.Status, $second.Status, $third.Status | Should -Be @(429, 429, 200)
        "$($first.Headers['Retry-After'])" | Should -Be '3'
        $first.Json.error.code | Should -Be 'TooManyRequests'
    }

    It 'sends mail for an app with Mail.Send only' {
        $mail = @{ message = @{ subject = 'Accepted'; body = @{ contentType = 'Text'; content = 'ok' }; toRecipients = @(@{ emailAddress = @{ address = $Bob } }) }; saveToSentItems = $false }
        (Invoke-Graph -Method Post -Path "users/$Alice/sendMail" -Token $ReadWrite -Body $mail).Status | Should -Be 403

        (Invoke-Graph -Method Post -Path "users/$Alice/sendMail" -Token (Get-AppToken -Roles 'Mail.ReadWrite', 'Mail.Send') -Body $mail).Status | Should -Be 202

        $sent = (Invoke-TestGraphControl -Url $Graph.Url -Path sent -Method Get).value
        $sent.Count | Should -Be 1
        $sent[0].user | Should -Be $Alice
        $sent[0].body.message.subject | Should -Be 'Accepted'
    }

    It 'drops the connection in the middle of an answer when armed' {
        $null = Add-TestGraphMessage -Url $Graph.Url -User $Alice -Path (New-Mime 'x')
        $null = Invoke-TestGraphControl -Url $Graph.Url -Path drop -Body @{ count = 1 }

        { Invoke-WebRequest -Uri ($Graph.Endpoint + '/v1.0/' + $InboxDelta) -Headers @{ Authorization = "Bearer $ReadWrite" } -SkipCertificateCheck } | Should -Throw
        (Invoke-Graph -Path $InboxDelta -Token $ReadWrite).Status | Should -Be 200
    }
}
