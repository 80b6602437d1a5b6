// Playground: send a turn to /panel/playground/send and show the answer as it streams in (SSE
// read with fetch + a ReadableStream reader), then provider, model, token usage and latency.
(function () {
  "use strict";

  var form = document.getElementById("playground");
  if (!form) { return; }
  var transcript = document.getElementById("pg-transcript");
  var message = document.getElementById("pg-message");
  var conversation = document.getElementById("pg-conversation");
  var sendButton = document.getElementById("pg-send");
  var status = document.getElementById("pg-status");

  function bubble(role, text) {
    var item = document.createElement("div");
    item.className = "turn " + role;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = role === "user" ? "You" : "Assistant";
    var body = document.createElement("div");
    body.className = "text";
    body.textContent = text || "";
    item.appendChild(who);
    item.appendChild(body);
    transcript.appendChild(item);
    transcript.scrollTop = transcript.scrollHeight;
    return item;
  }

  function setMeta(item, info, started) {
    var usage = info.usage || {};
    var meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = [info.provider_used + " / " + info.model_used,
      "tokens: " + (usage.input_tokens || 0) + " in, " + (usage.output_tokens || 0) + " out, " +
        (usage.total_tokens || 0) + " total",
      "latency: " + Math.round(performance.now() - started) + " ms"].join(" · ");
    item.appendChild(meta);
    if (info.conversation_id) { conversation.value = info.conversation_id; }
  }

  function showError(item, detail) {
    var text = typeof detail === "string" ? detail :
      (Array.isArray(detail) ? detail.map(function (e) { return e.msg; }).join("; ") : "The request failed");
    item.classList.add("failed");
    item.querySelector(".text").textContent = text;
  }

  function resetConversation() {
    conversation.value = "";
    transcript.textContent = "";
    status.textContent = "New conversation";
  }

  async function readStream(response, item, started) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    var text = item.querySelector(".text");
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) { break; }
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
      var events = buffer.split("\n\n");
      buffer = events.pop();
      events.forEach(function (event) {
        var data = event.split("\n").filter(function (line) { return line.indexOf("data:") === 0; })
          .map(function (line) { return line.slice(5).replace(/^ /, ""); }).join("\n");
        if (!data || data === "[DONE]") { return; }
        var payload = JSON.parse(data);
        if (payload.delta !== undefined) {
          text.textContent += payload.delta;
          transcript.scrollTop = transcript.scrollHeight;
        } else if (payload.done) {
          setMeta(item, payload, started);
        } else if (payload.error) {
          showError(item, payload.error.detail);
        }
      });
    }
  }

  async function send() {
    var assistantId = parseInt(form.elements.assistant_id.value, 10);
    var text = message.value.trim();
    if (!assistantId || !text) {
      status.textContent = !assistantId ? "Choose an assistant first" : "Type a message first";
      return;
    }
    bubble("user", text);
    var item = bubble("assistant", "");
    message.value = "";
    sendButton.disabled = true;
    form.setAttribute("aria-busy", "true");
    status.textContent = "Waiting for the answer…";
    var started = performance.now();
    try {
      var response = await fetch(form.getAttribute("data-send-url"), {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "text/event-stream, application/json",
                   "X-CSRF-Token": window.panelCsrfToken() },
        body: JSON.stringify({ assistant_id: assistantId, message: text, conversation_id: conversation.value || null,
                               stream: true }),
      });
      var type = response.headers.get("content-type") || "";
      if (response.ok && type.indexOf("text/event-stream") === 0) {
        await readStream(response, item, started);
      } else {
        var body = await response.json();
        if (response.status === 401 && body.login) {
          window.location.href = body.login;
          return;
        }
        if (response.ok) {
          item.querySelector(".text").textContent = body.response;
          setMeta(item, body, started);
        } else {
          showError(item, body.detail);
        }
      }
      status.textContent = "";
    } catch (error) {
      showError(item, "The connection failed: " + error.message);
      status.textContent = "";
    } finally {
      sendButton.disabled = false;
      form.removeAttribute("aria-busy");
      message.focus();
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send();
  });
  message.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      send();
    }
  });
  document.getElementById("pg-new").addEventListener("click", resetConversation);
  form.elements.assistant_id.addEventListener("change", resetConversation);
  // While another application's assistants load, the assistant select says it is busy.
  var assistantSelect = form.elements.assistant_id;
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.target === assistantSelect) { assistantSelect.setAttribute("aria-busy", "true"); }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === assistantSelect) {
      assistantSelect.removeAttribute("aria-busy");
      resetConversation();
    }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.target === assistantSelect) { assistantSelect.removeAttribute("aria-busy"); }
  });
})();
