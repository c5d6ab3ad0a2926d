// A quiz attempt page (assessments/quiz_attempt.html):
// - saves each answer as the student goes: a short pause after typing or a change of choice
//   sends that one question's values (fetch POST with the CSRF token) to the attempt's save URL;
//   a failed request is retried with growing delays until it goes through, and what the page
//   says ("Saved", "Not saved… retrying") goes to a role="status" line (aria-live), so it is
//   heard as well as seen;
// - when the page is hidden or closed, what is still unsaved is sent with keepalive;
// - counts down to the server's deadline (the seconds left come from the server when the page
//   is rendered, so a wrong clock on the computer changes nothing) and submits the form itself
//   when the time is up. The form is a plain POST with every answer, so the page also works
//   without this script.

const DEBOUNCE_MS = 700;
const MAX_RETRY_MS = 15000;
const FLUSH_BEFORE_END_S = 3;

const form = document.querySelector("[data-quiz-form]");
const statusLine = document.querySelector("[data-quiz-status]");
const timer = document.querySelector("[data-quiz-timer]");

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_match, key) => String(values[key] ?? ""));
}

function say(text) {
  if (statusLine && statusLine.textContent !== text) statusLine.textContent = text;
}

if (form) {
  const msg = form.dataset;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const pending = new Map(); // question id -> debounce timer
  const failing = new Map(); // question id -> retry delay (ms) while a save keeps failing
  const inFlight = new Set();
  let stopped = false; // submitted or refused: no more saves

  const fieldset = (id) => form.querySelector(`fieldset[data-question="${id}"]`);
  const marker = (id) => form.querySelector(`[data-saved-for="${id}"]`);

  function values(id) {
    const data = new FormData();
    data.append("question", id);
    for (const input of fieldset(id).querySelectorAll(`[name="q-${id}"]`)) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) continue;
      data.append(`q-${id}`, input.value);
    }
    return data;
  }

  function settled() {
    if (!pending.size && !inFlight.size && !failing.size && !stopped) {
      say(msg.msgAllSaved);
      statusLine.dataset.state = "saved";
    }
  }

  // The state is also kept as data-state, for styles and tests in any language.
  function show(mark, state, text) {
    if (!mark) return;
    mark.dataset.state = state;
    mark.textContent = text;
  }

  async function save(id, { keepalive = false } = {}) {
    pending.delete(id);
    if (stopped) return;
    inFlight.add(id);
    const mark = marker(id);
    show(mark, "saving", msg.msgSaving);
    statusLine.dataset.state = "saving";
    let response;
    try {
      response = await fetch(form.dataset.saveUrl, {
        method: "POST",
        body: values(id),
        headers: { "X-CSRFToken": csrf },
        credentials: "same-origin",
        keepalive,
      });
    } catch (_error) {
      response = null;
    }
    inFlight.delete(id);
    if (response && response.ok) {
      failing.delete(id);
      show(mark, "saved", msg.msgSaved);
      settled();
      return;
    }
    if (response && (response.status === 400 || response.status === 403)) {
      // Refused for good (submitted elsewhere, out of time): retrying would not help. The
      // refusal's code says why (core.views.perform_json).
      failing.delete(id);
      let body = {};
      try { body = await response.json(); } catch (_error) { body = {}; }
      show(mark, "refused", msg.msgRefused);
      say(body.message || msg.msgRefused);
      statusLine.dataset.state = "refused";
      if (body.code === "submitted" || body.code === "deadline") {
        stopped = true;
        form.submit(); // shows the result
      }
      return;
    }
    // Network down or server error: keep the answer and try again later.
    const delay = Math.min((failing.get(id) || 1000) * 2, MAX_RETRY_MS);
    failing.set(id, delay);
    show(mark, "retrying", msg.msgRefused);
    say(msg.msgRetrying);
    statusLine.dataset.state = "retrying";
    setTimeout(() => { if (!pending.has(id)) save(id); }, delay);
  }

  function schedule(event) {
    const set = event.target.closest("fieldset[data-question]");
    if (!set || stopped) return;
    const id = set.dataset.question;
    clearTimeout(pending.get(id));
    show(marker(id), "", "");
    pending.set(id, setTimeout(() => save(id), DEBOUNCE_MS));
  }

  function flush(options) {
    for (const [id, handle] of [...pending]) {
      clearTimeout(handle);
      save(id, options);
    }
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", () => {
    // The form itself carries every answer: nothing else needs to be sent.
    stopped = true;
    for (const handle of pending.values()) clearTimeout(handle);
    pending.clear();
    const button = form.querySelector("[data-quiz-submit]");
    if (button) button.disabled = true;
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flush({ keepalive: true });
  });
  window.addEventListener("pagehide", () => flush({ keepalive: true }));

  if (timer) {
    const clock = timer.querySelector("[data-quiz-clock]");
    const endsAt = performance.now() + Number(timer.dataset.remaining) * 1000;
    let warnedFive = false;
    let warnedOne = false;
    let flushed = false;
    const tick = () => {
      const left = Math.max(0, Math.round((endsAt - performance.now()) / 1000));
      const minutes = Math.floor(left / 60);
      const seconds = String(left % 60).padStart(2, "0");
      clock.textContent = format(msg.msgMinutes, { minutes, seconds });
      if (left <= 300 && left > 60 && !warnedFive) { warnedFive = true; say(msg.msgFiveMinutes); }
      if (left <= 60) {
        timer.classList.add("urgent");
        if (!warnedOne) { warnedOne = true; say(msg.msgOneMinute); }
      }
      if (left <= FLUSH_BEFORE_END_S && !flushed) { flushed = true; flush(); }
      if (left <= 0) {
        clearInterval(interval);
        if (!stopped) {
          say(msg.msgTimeUp);
          stopped = true;
          form.submit();
        }
      }
    };
    const interval = setInterval(tick, 1000);
    tick();
  }
}
