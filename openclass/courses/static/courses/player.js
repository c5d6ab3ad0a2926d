// Lesson player with progress tracking (진도율). Works on a <video> (uploaded HLS, MP4 or HLS
// URLs) or a YouTube IFrame player. It records the stretches actually played, sends them to the
// server every few seconds and when the page closes, keeps the student from seeking past the
// furthest point the server has credited (no-skip courses) and limits the playback speed.

const BEAT_SECONDS = 5;
const MAX_STEP = 2.5; // a larger jump between two time updates is a seek, not playing

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

function clock(seconds) {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// A common face for <video> and the YouTube player.
function videoAdapter(video) {
  return {
    time: () => video.currentTime,
    duration: () => (Number.isFinite(video.duration) ? video.duration : 0),
    playing: () => !video.paused && !video.ended && !video.seeking,
    seek: (t) => { video.currentTime = t; },
    rate: () => video.playbackRate,
    setRate: (r) => { video.playbackRate = r; },
    on: (name, handler) => video.addEventListener(name, handler),
  };
}

function youtubeAdapter(player) {
  const handlers = {};
  player.addEventListener("onStateChange", (event) => {
    if (event.data === 0) (handlers.ended || []).forEach((h) => h());
    if (event.data === 2) (handlers.pause || []).forEach((h) => h());
  });
  player.addEventListener("onPlaybackRateChange", () => (handlers.ratechange || []).forEach((h) => h()));
  return {
    time: () => player.getCurrentTime() || 0,
    duration: () => player.getDuration() || 0,
    playing: () => player.getPlayerState() === 1,
    seek: (t) => player.seekTo(t, true),
    rate: () => player.getPlaybackRate(),
    setRate: (r) => player.setPlaybackRate(r),
    on: (name, handler) => { (handlers[name] = handlers[name] || []).push(handler); },
  };
}

function track(root, media) {
  const data = root.dataset;
  const status = root.querySelector("[data-player-status]");
  const bar = root.querySelector("[data-progress-bar]");
  const speed = root.querySelector("[data-speed]");
  const resume = root.querySelector("[data-resume]");
  const url = data.heartbeatUrl;
  const noSkip = data.noSkip === "1";
  const speeds = data.speeds.split(",").map(Number);
  let seq = Number(data.seq);
  let furthest = Number(data.furthest);
  let completed = data.completed === "1";
  let pending = [];
  let last = null;
  let reached = furthest; // furthest point played on this page, credited or not yet sent
  let sending = false;

  const say = (text) => { status.textContent = text; };
  const show = (answer) => {
    furthest = Math.max(furthest, answer.furthest);
    if (bar) bar.value = answer.percent;
    if (answer.completed && !completed) say(data.msgCompleted);
    else if (!answer.completed) say(format(data.msgProgress, { percent: answer.percent }));
    completed = answer.completed;
  };
  if (bar && data.duration) bar.value = Math.min(100, Math.floor((100 * Number(data.watched)) / Number(data.duration)));

  function beatForm() {
    if (!pending.length) return null;
    seq += 1;
    const beat = {
      seq,
      intervals: pending,
      position: media.time(),
      speed: media.rate(),
      duration: media.duration() || null,
    };
    pending = [];
    const form = new FormData();
    form.append("csrfmiddlewaretoken", data.csrfToken);
    form.append("beat", JSON.stringify(beat));
    return { form, beat };
  }

  async function send() {
    if (!url || sending) return;
    const next = beatForm();
    if (!next) return;
    sending = true;
    try {
      const response = await fetch(url, { method: "POST", body: next.form, credentials: "same-origin" });
      const answer = await response.json();
      if (typeof answer.seq === "number") seq = Math.max(seq, answer.seq);
      show(answer);
    } catch {
      pending = next.beat.intervals.concat(pending); // try again with the next beat
      seq -= 1;
      say(data.msgOffline);
    } finally {
      sending = false;
    }
  }

  // Played stretches: consecutive time updates while playing, never across a seek.
  setInterval(() => {
    const now = media.time();
    if (media.playing() && last !== null) {
      const step = now - last;
      if (step > 0 && step <= MAX_STEP * Math.max(1, media.rate())) {
        const tail = pending[pending.length - 1];
        if (tail && Math.abs(tail[1] - last) < 0.01) tail[1] = now;
        else pending.push([last, now]);
        if (last <= reached + 1.5) reached = Math.max(reached, now);
      }
    }
    const allowed = Math.max(furthest, reached);
    if (noSkip && !completed && now > allowed + 1.5) {
      // Seeking ahead of what has been watched: back to the furthest point watched.
      media.seek(allowed);
      say(data.msgNoSkip);
      last = null;
      return;
    }
    last = media.playing() ? now : null;
  }, 250);

  setInterval(send, BEAT_SECONDS * 1000);
  media.on("pause", send);
  media.on("ended", send);
  media.on("ratechange", () => {
    if (!speeds.some((s) => Math.abs(s - media.rate()) < 0.01)) {
      media.setRate(1);
      say(data.msgSpeed);
    }
    if (speed) speed.value = String(media.rate());
  });
  if (speed) speed.addEventListener("change", () => media.setRate(Number(speed.value)));

  const position = Number(data.position);
  if (resume && position > 5 && (!data.duration || position < Number(data.duration) - 5)) {
    resume.textContent = format(data.msgResume, { time: clock(position) });
    resume.hidden = false;
    resume.addEventListener("click", () => {
      media.seek(position);
      resume.hidden = true;
    });
  }

  // Closing the page: the last stretch goes out with sendBeacon, which survives the unload.
  window.addEventListener("pagehide", () => {
    const next = url && beatForm();
    if (next) navigator.sendBeacon(url, next.form);
  });
}

function start(root) {
  const youtubeId = root.dataset.youtubeId;
  if (!youtubeId) {
    const video = root.querySelector("video");
    if (video) track(root, videoAdapter(video));
    return;
  }
  const target = root.querySelector("[data-youtube-target]");
  window.onYouTubeIframeAPIReady = () => {
    const player = new window.YT.Player(target, {
      videoId: youtubeId,
      host: "https://www.youtube-nocookie.com",
      playerVars: { rel: 0, playsinline: 1 },
      events: { onReady: () => track(root, youtubeAdapter(player)) },
    });
  };
  const script = document.createElement("script");
  script.src = "https://www.youtube.com/iframe_api";
  document.head.append(script);
}

document.querySelectorAll("[data-lesson-player]").forEach(start);
