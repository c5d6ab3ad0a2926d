// openclass video upload widget: resumable uploads with tus-js-client (window.tus, loaded by
// vendor/tus-js-client/tus.min.js), a progress bar, and the processing status afterwards.
//
// Markup: templates/media/_upload_widget.html. When the upload is complete the new video's id goes
// into the widget's hidden input and a "media:uploaded" event (detail: {videoId, statusUrl})
// bubbles from the widget; "media:ready" / "media:failed" follow when processing ends.

const CHUNK_SIZE = 16 * 1024 * 1024; // one PATCH request; at most this much is resent after a drop
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];
const POLL_MS = 2000;

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_match, key) => (key in values ? String(values[key]) : ""));
}

function reasonOf(error, messages) {
  const response = error && error.originalResponse;
  if (!response) return messages.network;
  const body = (response.getBody() || "").trim();
  // The server answers refusals in plain, translated text; anything else is not for people.
  if (body && body.length < 300 && !body.startsWith("<")) return body;
  return `HTTP ${response.getStatus()}`;
}

function setupWidget(widget) {
  if (widget.dataset.uploadReady) return;
  widget.dataset.uploadReady = "1";
  const messages = {};
  for (const [key, value] of Object.entries(widget.dataset)) {
    if (key.startsWith("msg")) messages[key.slice(3).toLowerCase()] = value;
  }
  const fileInput = widget.querySelector("[data-upload-file]");
  const progressWrap = widget.querySelector("[data-upload-progress-wrap]");
  const progress = widget.querySelector("[data-upload-progress]");
  const statusLine = widget.querySelector("[data-upload-status]");
  const errorBox = widget.querySelector("[data-upload-error]");
  const retryButton = widget.querySelector("[data-upload-retry]");
  const cancelButton = widget.querySelector("[data-upload-cancel]");
  const hidden = widget.querySelector("[data-upload-video-id]");
  const form = widget.closest("form");
  let upload = null;
  let lastAnnounced = -1;

  function say(text) {
    statusLine.textContent = text;
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  function setProgress(percent, text) {
    progress.value = percent;
    progress.setAttribute("aria-valuenow", String(percent));
    progress.setAttribute("aria-valuetext", text);
  }

  function setBusy(busy) {
    widget.setAttribute("aria-busy", busy ? "true" : "false");
    fileInput.disabled = busy;
    cancelButton.hidden = !busy;
    if (form) {
      for (const button of form.querySelectorAll("button[type=submit], input[type=submit]")) {
        if (widget.contains(button)) continue;
        button.disabled = busy;
      }
    }
  }

  function onProgress(sent, total) {
    const percent = total ? Math.floor((sent / total) * 100) : 0;
    const text = format(messages.uploading, { percent });
    setProgress(percent, text);
    // Announce every 10 %, not every event: a screen reader would never stop talking.
    if (percent - lastAnnounced >= 10 || percent === 100) {
      lastAnnounced = percent;
      say(text);
    }
  }

  async function pollStatus(statusUrl, videoId) {
    let response;
    try {
      response = await fetch(statusUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
    } catch {
      window.setTimeout(() => pollStatus(statusUrl, videoId), POLL_MS * 2);
      return;
    }
    if (!response.ok) {
      showError(format(messages.error, { reason: `HTTP ${response.status}` }));
      return;
    }
    const status = await response.json();
    if (status.ready) {
      setProgress(100, messages.ready);
      say(messages.ready);
      widget.dispatchEvent(new CustomEvent("media:ready", { bubbles: true, detail: { videoId, status } }));
      return;
    }
    if (status.failed) {
      say("");
      showError(format(messages.failed, { reason: status.error }));
      widget.dispatchEvent(new CustomEvent("media:failed", { bubbles: true, detail: { videoId, status } }));
      return;
    }
    if (status.status === "transcoding") {
      const text = format(messages.processing, { percent: status.progress });
      setProgress(status.progress, text);
      say(text);
    } else if (status.status === "queued") {
      say(messages.queued);
    } else {
      say(messages.checking);
    }
    window.setTimeout(() => pollStatus(statusUrl, videoId), POLL_MS);
  }

  function onSuccess(payload) {
    setBusy(false);
    retryButton.hidden = true;
    const response = payload && payload.lastResponse;
    const videoId = response ? response.getHeader("OpenClass-Video-Id") : "";
    const statusUrl = response ? response.getHeader("OpenClass-Status-Url") : "";
    if (!videoId) {
      showError(format(messages.error, { reason: messages.network }));
      return;
    }
    hidden.value = videoId;
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
    widget.dispatchEvent(new CustomEvent("media:uploaded", { bubbles: true, detail: { videoId, statusUrl } }));
    lastAnnounced = -1;
    // The bytes are all there: a full bar and the success line, not an empty bar.
    setProgress(100, messages.checking);
    widget.classList.add("upload-done");
    say(messages.checking);
    if (statusUrl) pollStatus(statusUrl, videoId);
  }

  function onError(error) {
    if (navigator.onLine === false) {
      // Resumed by the "online" listener below, from the offset the server confirms.
      say(messages.offline);
      return;
    }
    setBusy(false);
    // Refusals (too large, not a video, not allowed) will not change by trying again.
    const status = error && error.originalResponse ? error.originalResponse.getStatus() : 0;
    retryButton.hidden = status >= 400 && status < 500 && status !== 409 && status !== 423;
    say("");
    showError(format(messages.error, { reason: reasonOf(error, messages) }));
  }

  function titleFor(file) {
    const input = widget.dataset.titleInput && document.getElementById(widget.dataset.titleInput);
    const typed = input && "value" in input ? input.value.trim() : "";
    return typed || file.name.replace(/\.[^.]+$/, "");
  }

  function start(file) {
    if (!window.tus || !window.tus.isSupported) {
      showError(messages.unsupported);
      return;
    }
    showError("");
    hidden.value = "";
    lastAnnounced = -1;
    widget.classList.remove("upload-done");
    progressWrap.hidden = false;
    retryButton.hidden = true;
    setProgress(0, format(messages.uploading, { percent: 0 }));
    setBusy(true);
    const userId = widget.dataset.user || "";
    upload = new window.tus.Upload(file, {
      endpoint: widget.dataset.endpoint,
      chunkSize: CHUNK_SIZE,
      retryDelays: RETRY_DELAYS,
      headers: { "X-CSRFToken": widget.dataset.csrfToken },
      metadata: { filename: file.name, filetype: file.type || "application/octet-stream", title: titleFor(file) },
      // Per user, so a shared school computer never offers one teacher's upload to another.
      fingerprint: async (f, options) =>
        ["openclass", userId, f.name, f.type, f.size, f.lastModified, options.endpoint].join("-"),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress,
      onSuccess,
      onError,
      onShouldRetry: (error) => {
        const status = error.originalResponse ? error.originalResponse.getStatus() : 0;
        if (status >= 400 && status < 500 && status !== 409 && status !== 423 && status !== 429) return false;
        say(messages.retrying);
        return navigator.onLine !== false;
      },
    });
    upload
      .findPreviousUploads()
      .then((previous) => {
        if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      })
      .catch(() => upload.start());
  }

  fileInput.addEventListener("change", () => {
    const file = fileInput.files && fileInput.files[0];
    if (file) start(file);
  });

  retryButton.addEventListener("click", () => {
    if (!upload) return;
    showError("");
    retryButton.hidden = true;
    setBusy(true);
    upload.start();
  });

  cancelButton.addEventListener("click", async () => {
    if (!upload) return;
    const current = upload;
    upload = null;
    try {
      await current.abort(true);
    } catch {
      // The server forgets abandoned uploads by itself after a few days.
    }
    setBusy(false);
    progressWrap.hidden = true;
    fileInput.value = "";
    hidden.value = "";
    say(messages.cancelled);
  });

  window.addEventListener("online", () => {
    if (upload && widget.getAttribute("aria-busy") === "true") upload.start();
  });
}

function setupAll(root) {
  for (const widget of root.querySelectorAll("[data-upload-widget]")) setupWidget(widget);
}

setupAll(document);
// Widgets that arrive later in an htmx swap.
document.addEventListener("htmx:load", (event) => {
  if (event.target instanceof Element) setupAll(event.target);
});
