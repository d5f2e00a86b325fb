-- imapfilter peer for tests/bench/Mailbox.Bench.ps1: counts the INBOX messages whose Subject matches a regex
-- (PCRE, matched locally by imapfilter after it fetched the Subject headers) and prints only that number.
-- Everything comes from the environment, so the file needs no templating:
--   BENCH_IMAP_SERVER (127.0.0.1), BENCH_IMAP_PORT (993), BENCH_IMAP_USER, BENCH_IMAP_PASS, BENCH_SUBJECT_REGEX
-- Run it as: HOME=<scratch> imapfilter -t <server cert.pem> -c tests/bench/imapfilter-count.lua
options.timeout = 60
options.info = false
options.subscribe = false
options.create = false

local function need(name)
  local value = os.getenv(name)
  if value == nil or value == '' then
    error(name .. ' is not set')
  end
  return value
end

local account = IMAP {
  server = os.getenv('BENCH_IMAP_SERVER') or '127.0.0.1',
  port = tonumber(os.getenv('BENCH_IMAP_PORT') or '993'),
  ssl = 'auto',
  username = need('BENCH_IMAP_USER'),
  password = need('BENCH_IMAP_PASS'),
}

local matches = account.INBOX:match_subject(need('BENCH_SUBJECT_REGEX'))
print(#matches)
