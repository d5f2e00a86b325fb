using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace SmartEmail.Events
{
    /// <summary>
    /// The OpCon REST API side of <see cref="EventSubmitter"/>: a user token (asked once, again after a 401) or the
    /// configured one, and POST /api/opconEventsCollection. Kept apart so that only an API run loads System.Net.Http.
    /// </summary>
    internal sealed class OpConApiClient : IDisposable
    {
        private readonly EventSubmitOptions _options;
        private HttpClient? _http;
        private string? _token;

        public OpConApiClient(EventSubmitOptions options)
        {
            _options = options;
        }

        public void Dispose() => _http?.Dispose();

        public void PostEvent(string @event, CancellationToken cancellationToken)
        {
            var user = _options.ApiCredential?.UserName ?? _options.OpConCredential?.UserName ?? string.Empty;
            var body = JsonSerializer.Serialize(new { loginName = user, events = new[] { new { id = 0, eventString = @event } } });
            for (var attempt = 0; ; attempt++)
            {
                var token = Token(cancellationToken);
                using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri(ApiBase, "api/opconEventsCollection")))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Token", token);
                    request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                    using (var response = Send(request, cancellationToken))
                    {
                        // A user token that expired is requested again, once; a configured token is what it is.
                        if (response.StatusCode == HttpStatusCode.Unauthorized && _options.ApiToken == null && attempt == 0)
                        {
                            _token = null;
                            continue;
                        }
                        if (!response.IsSuccessStatusCode)
                            throw new EventSubmitException(EventErrorKind.ApiFailed, $"The OpCon API refused the event ({(int)response.StatusCode} {response.ReasonPhrase}): {ApiMessage(response)}");
                        return;
                    }
                }
            }
        }

        private string Token(CancellationToken cancellationToken)
        {
            if (_options.ApiToken != null)
                return _options.ApiToken;
            if (_token != null)
                return _token;
            var credential = _options.ApiCredential!;
            var body = JsonSerializer.Serialize(new { user = new { loginName = credential.UserName, password = credential.Password }, tokenType = new { type = "User" } });
            using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri(ApiBase, "api/tokens")) { Content = new StringContent(body, Encoding.UTF8, "application/json") })
            using (var response = Send(request, cancellationToken))
            {
                if (!response.IsSuccessStatusCode)
                    throw new EventSubmitException(EventErrorKind.ApiAuthenticationFailed, $"The OpCon API refused a token for '{credential.UserName}' ({(int)response.StatusCode} {response.ReasonPhrase}): {ApiMessage(response)}");
                using (var json = JsonDocument.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult()))
                {
                    if (!json.RootElement.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
                        throw new EventSubmitException(EventErrorKind.ApiFailed, "The OpCon API answered POST /api/tokens without a token id.");
                    return _token = id.GetString()!;
                }
            }
        }

        /// <summary>The API URL as a base that keeps its path (https://host/opcon and https://host/opcon/ alike).</summary>
        private Uri ApiBase => new Uri(_options.ApiUrl!.AbsoluteUri.TrimEnd('/') + "/");

        private HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _http ??= CreateClient();
            try
            {
                return _http.SendAsync(request, cancellationToken).GetAwaiter().GetResult();
            }
            catch (HttpRequestException e)
            {
                throw new EventSubmitException(EventErrorKind.ApiUnreachable, $"Cannot reach the OpCon API at {_options.ApiUrl}: {e.InnerException?.Message ?? e.Message}", e);
            }
            catch (System.Threading.Tasks.TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new EventSubmitException(EventErrorKind.ApiUnreachable, $"The OpCon API at {_options.ApiUrl} did not answer in time.", e);
            }
        }

        private HttpClient CreateClient()
        {
            var handler = new HttpClientHandler();
            if (_options.ApiAcceptSelfSigned)
                handler.ServerCertificateCustomValidationCallback = (message, certificate, chain, errors) =>
                    (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) == 0;
            return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        }

        private static string ApiMessage(HttpResponseMessage response)
        {
            var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            try
            {
                using (var json = JsonDocument.Parse(text))
                {
                    foreach (var name in new[] { "message", "Message", "error", "detail", "title" })
                    {
                        if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                            return value.GetString()!;
                    }
                }
            }
            catch (JsonException)
            {
            }
            return text.Length > 300 ? text.Substring(0, 300) + "…" : text;
        }
    }
}
