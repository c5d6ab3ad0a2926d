// Lesson player with watch progress (진도율). Drives a <video> (uploaded videos through
// hls-player.js, MP4 or HLS addresses) or a YouTube IFrame player, and:
// - records the stretches actually played (time updates while playing; seeks are never counted);
// - sends them as a heartbeat about once a second over the progress WebSocket (/ws/progress/),
//   keeping each until the server says it is stored, and resending what is not after a
//   reconnect (a server killed between its acknowledgement and its batched write loses nothing);
// - shows the percentage and completion the *server* answers, and in no-skip courses keeps the
//   student from seeking past the furthest point the server has credited;
// - offers only the course's allowed speeds and undoes any other;
// - starts where the student left off (the saved position, unless that is the end), and offers
//   to start again from the beginning;
// - sends what is still not stored with navigator.sendBeacon when the page goes away.
// Everything it says goes to a role="status" line (aria-live), so it is heard as well as seen.

const BEAT_MS = 1000;
const SAMPLE_MS = 250; // YouTube has no timeupdate event: its time is sampled
const SKIP_SLACK = 1.5; // seconds past the allowed point before snapping back
const MAX_RECONNECT_MS = 15000;
const OFFLINE_NOTICE_MS = 5000;

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_match, key) => String(values[key] ?? ""));
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return `${h ? `${h}:` : ""}${mm}:${String(s % 60).padStart(2, "0")}`;
}

const round3 = (x) => Math.round(x * 1000) / 1000;

// Union of [start, end] intervals: sorted, disjoint.
function union(intervals) {
  const sorted = intervals.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const [s, e] of sorted) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

// --- One face for <video> and the YouTube player ---------------------------------------------

function videoAdapter(video) {
  // Chrome's own controls offer every speed: the course's speed menu replaces it.
  video.setAttribute("controlslist", "noplaybackrate nodownload");
  return {
    element: video,
    time: () => video.currentTime,
    duration: () => (Number.isFinite(video.duration) ? video.duration : 0),
    playing: () => !video.paused && !video.ended && !video.seeking && video.readyState > 2,
    seek: (t) => { video.currentTime = t; },
    play: () => video.play().catch(() => {}),
    rate: () => video.playbackRate,
    setRate: (r) => { video.playbackRate = r; },
    on: (name, handler) => video.addEventListener(name, handler),
    // Seek once the video knows its length (hls.js attaches the stream after this script runs).
    startAt: (t) => {
      if (video.readyState >= 1) video.currentTime = t;
      else video.addEventListener("loadedmetadata", () => { video.currentTime = t; }, { once: true });
    },
  };
}

function youtubeAdapter(player, element) {
  const handlers = {};
  const fire = (name) => (handlers[name] || []).forEach((handler) => handler());
  player.addEventListener("onStateChange", (event) => {
    if (event.data === 0) fire("ended");
    if (event.data === 1) fire("play");
    if (event.data === 2) fire("pause");
  });
  player.addEventListener("onPlaybackRateChange", () => fire("ratechange"));
  window.setInterval(() => fire("timeupdate"), SAMPLE_MS);
  return {
    element,
    time: () => player.getCurrentTime() || 0,
    duration: () => player.getDuration() || 0,
    playing: () => player.getPlayerState() === 1,
    seek: (t) => player.seekTo(t, true),
    play: () => player.playVideo(),
    rate: () => player.getPlaybackRate(),
    setRate: (r) => player.setPlaybackRate(r),
    on: (name, handler) => { (handlers[name] = handlers[name] || []).push(handler); },
    // Cue, not seek: seeking a video not started yet would start playing it.
    startAt: (t) => player.cueVideoById({ videoId: element.dataset.youtubeId, startSeconds: t }),
  };
}

// --- The progress channel --------------------------------------------------------------------

class Channel {
  constructor(url, lesson, handlers) {
    this.url = url;
    this.lesson = lesson;
    this.handlers = handlers;
    this.socket = null;
    this.ready = false; // open and the server has answered "open" with its state
    this.retry = 1000;
    this.closed = false; // the server refused us for good (4401, 4403)
    this.connect();
  }

  connect() {
    if (this.closed) return;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.retry = 1000;
      socket.send(JSON.stringify({ type: "open", lesson: this.lesson }));
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === "state") {
        this.ready = true;
        this.handlers.state(message);
      } else if (message.type === "ack" || message.type === "refused") {
        this.handlers.answer(message);
      } else if (message.type === "saved") {
        this.handlers.stored(message.saved);
      } else if (message.type === "denied") {
        this.closed = true;
      }
    });
    socket.addEventListener("close", (event) => {
      this.ready = false;
      if (socket !== this.socket) return;
      if (event.code === 4401 || event.code === 4403) this.closed = true;
      this.handlers.down(this.closed);
      if (this.closed) return;
      window.setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(MAX_RECONNECT_MS, this.retry * 2);
    });
  }

  send(message) {
    if (!this.ready) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  reconnectNow() {
    if (this.closed || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
    this.retry = 1000;
    this.connect();
  }
}

// --- The player ------------------------------------------------------------------------------

function track(root, media) {
  const data = root.dataset;
  const lesson = Number(data.lesson);
  const status = root.querySelector("[data-player-status]");
  const bar = root.querySelector("[data-progress-bar]");
  const figure = root.querySelector("[data-progress-text]");
  const done = root.querySelector("[data-completed-tag]");
  const speedSelect = root.querySelector("[data-speed]");
  const resume = root.querySelector("[data-resume]");
  const noSkip = data.noSkip === "1";
  const speeds = data.speeds.split(",").map(Number).filter((s) => s > 0);
  const recording = Boolean(data.wsPath);

  // The server's figures.
  let truth = {
    seq: Number(data.seq) || 0,
    furthest: Number(data.furthest) || 0,
    percent: Number(data.percent) || 0,
    completed: data.completed === "1",
    duration: Number(data.duration) || 0,
  };
  let seq = truth.seq; // the last sequence number used
  let fresh = []; // played since the last beat was made
  let played = []; // everything played on this page (union), for the closing beacon
  // seq -> intervals sent (or queued) and not yet stored: an acknowledgement says a beat was
  // credited, `saved` that it is in the database (the server writes every few seconds). Kept
  // until then, and resent after a reconnect, so a server that dies loses nothing.
  const unacked = new Map();
  let last = null; // {time, at}: the previous sample while playing
  let reached = truth.furthest; // furthest point played on this page
  let fastest = media.rate();
  let positionSent = -1;
  let offlineTimer = null;
  let stopped = false; // the server refused this page for good

  const say = (text) => { status.textContent = text; };
  const allowed = () => Math.max(truth.furthest, reached);

  function show() {
    if (bar) bar.value = truth.percent;
    if (figure) figure.textContent = format(data.msgProgress, { percent: truth.percent });
    if (done) done.hidden = !truth.completed;
  }

  function adopt(answer) {
    const wasCompleted = truth.completed;
    truth = {
      seq: answer.seq,
      furthest: answer.furthest,
      percent: answer.percent,
      completed: answer.completed,
      duration: answer.duration || truth.duration,
    };
    reached = Math.max(reached, truth.furthest);
    show();
    if (truth.completed && !wasCompleted) say(data.msgCompleted);
  }

  // Played stretches: consecutive samples while playing, never across a seek.
  function sample() {
    const now = media.time();
    const at = performance.now();
    if (noSkip && !truth.completed && now > allowed() + SKIP_SLACK) {
      media.seek(allowed());
      say(data.msgNoSkip);
      last = null;
      return;
    }
    if (!media.playing()) {
      last = null;
      return;
    }
    if (last) {
      const step = now - last.time;
      const plausible = ((at - last.at) / 1000) * media.rate() * 1.5 + 0.3;
      if (step > 0 && step <= plausible) {
        const tail = fresh[fresh.length - 1];
        if (tail && Math.abs(tail[1] - last.time) < 0.001) tail[1] = round3(now);
        else fresh.push([round3(last.time), round3(now)]);
        if (last.time <= reached + SKIP_SLACK) reached = Math.max(reached, now);
      }
    }
    fastest = Math.max(fastest, media.rate());
    last = { time: now, at };
  }

  function makeBeat(intervals) {
    seq += 1;
    unacked.set(seq, intervals);
    played = union(played.concat(intervals.map((i) => [...i])));
    const duration = media.duration();
    positionSent = media.time();
    const beat = {
      type: "beat",
      lesson,
      seq,
      intervals,
      position: round3(positionSent),
      speed: fastest,
    };
    if (duration > 0) beat.duration = round3(duration);
    fastest = media.rate();
    return beat;
  }

  function beat(force = false) {
    if (!recording || stopped) return;
    sample();
    const moved = Math.abs(media.time() - positionSent) >= 1;
    if (!fresh.length && !(force && moved)) return;
    const message = makeBeat(fresh);
    fresh = [];
    channel.send(message); // queued in `unacked` when offline, resent after the reconnect
  }

  function forgetStored(saved) {
    if (typeof saved !== "number") return;
    for (const key of [...unacked.keys()]) {
      if (key <= saved) unacked.delete(key);
    }
  }

  // Everything not stored yet, as one beat with a new sequence number (after a reconnect).
  // The closing beacon sends everything played on this page: the server may not have written
  // the acknowledged beats yet (it writes every few seconds), and in a no-skip course a beacon
  // holding only the last stretch would start beyond what the database knows. Credit is the
  // growth of the union, so nothing counts twice.
  function resendAll(everything = false) {
    const intervals = union([...unacked.values()].flat().concat(fresh, everything ? played : []));
    unacked.clear();
    fresh = [];
    return makeBeat(intervals);
  }

  const channel = recording
    ? new Channel(
        `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${data.wsPath}`,
        lesson,
        {
          state(message) {
            window.clearTimeout(offlineTimer);
            offlineTimer = null;
            seq = Math.max(seq, message.seq);
            forgetStored(message.saved);
            adopt(message);
            if (unacked.size) channel.send(resendAll());
          },
          answer(message) {
            // An acknowledged beat is kept until it is stored. A refused one is not sent again,
            // except what was refused as too fast (beats a stalled server answered late, in a
            // bunch): that goes out again with the next beat, credited as time allows.
            if (message.type === "refused") {
              const refused = unacked.get(message.beat);
              unacked.delete(message.beat);
              if (message.reason === "too_fast" && refused) fresh = union(refused.concat(fresh));
            }
            forgetStored(message.saved);
            if (message.type === "refused" && message.reason === "replayed") {
              // Another tab moved the sequence on: nothing was wrong with what was played.
              seq = Math.max(seq, message.seq);
            }
            adopt(message);
          },
          stored(saved) {
            forgetStored(saved);
          },
          down(final) {
            if (final) {
              // Signed out, or no longer allowed to study this lesson: nothing more is sent.
              stopped = true;
              unacked.clear();
              fresh = [];
              say(data.msgOffline);
              return;
            }
            offlineTimer = offlineTimer || window.setTimeout(() => say(data.msgOffline), OFFLINE_NOTICE_MS);
          },
        },
      )
    : null;

  // No-skip: a seek past the allowed point goes back to it.
  media.on("seeking", () => {
    last = null;
    if (noSkip && !truth.completed && media.time() > allowed() + SKIP_SLACK) {
      media.seek(allowed());
      say(data.msgNoSkip);
    }
  });
  media.on("timeupdate", sample);
  // Pausing says where the student stands; a completed lesson says so, not "watched: 99 %".
  const standing = () => (truth.completed ? data.msgCompleted : format(data.msgProgress, { percent: truth.percent }));
  media.on("pause", () => {
    beat(true);
    if (recording) say(standing());
  });
  media.on("ended", () => {
    beat(true);
    if (recording) say(standing());
  });
  media.on("seeked", () => beat(true));

  // Speeds: only the course's.
  const allowedSpeed = (rate) => speeds.some((s) => Math.abs(s - rate) < 0.01);
  media.on("ratechange", () => {
    if (!allowedSpeed(media.rate())) {
      media.setRate(1);
      say(data.msgSpeed);
    }
    if (speedSelect) speedSelect.value = String(media.rate());
  });
  if (speedSelect) {
    speedSelect.addEventListener("change", () => {
      const rate = Number(speedSelect.value);
      if (allowedSpeed(rate)) media.setRate(rate);
    });
  }

  // Start where the student left off (not at the end of a video they finished), and offer to
  // start again from the beginning.
  const saved = Number(data.position) || 0;
  const length = truth.duration || media.duration();
  const position = noSkip && !truth.completed ? Math.min(saved, allowed()) : saved;
  if (position > 1 && (!length || position < length - 5)) {
    media.startAt(position);
    say(format(data.msgResumed, { time: clock(position) }));
    if (resume) {
      resume.textContent = data.msgRestart;
      resume.hidden = false;
      resume.addEventListener("click", () => {
        media.seek(0);
        media.play();
        resume.hidden = true;
        media.element.focus();
      });
    }
  }

  show();
  if (!recording) return;
  window.setInterval(() => beat(), BEAT_MS);

  // Leaving the page: what is not acknowledged goes out with sendBeacon, which outlives the page.
  window.addEventListener("pagehide", () => {
    sample();
    const moved = Math.abs(media.time() - positionSent) >= 1;
    if (stopped || !data.beaconUrl || (!fresh.length && !unacked.size && !moved)) return;
    const message = resendAll(true);
    delete message.type;
    const form = new FormData();
    form.append("csrfmiddlewaretoken", data.csrfToken);
    form.append("beat", JSON.stringify(message));
    navigator.sendBeacon(data.beaconUrl, form);
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) channel.reconnectNow();
  });
  window.addEventListener("online", () => channel.reconnectNow());
}

// --- Start -----------------------------------------------------------------------------------

function startYouTube(root) {
  const target = root.querySelector("[data-youtube-target]");
  const create = () => {
    const player = new window.YT.Player(target, {
      videoId: root.dataset.youtubeId,
      host: "https://www.youtube-nocookie.com",
      playerVars: { rel: 0, playsinline: 1, disablekb: 0 },
      events: {
        onReady: () => {
          const frame = player.getIframe();
          frame.dataset.youtubeId = root.dataset.youtubeId;
          track(root, youtubeAdapter(player, frame));
        },
      },
    });
  };
  if (window.YT && window.YT.Player) {
    create();
    return;
  }
  const previous = window.onYouTubeIframeAPIReady;
  window.onYouTubeIframeAPIReady = () => {
    if (previous) previous();
    create();
  };
  const script = document.createElement("script");
  script.src = "https://www.youtube.com/iframe_api";
  script.addEventListener("error", () => {
    root.querySelector("[data-player-status]").textContent = root.dataset.msgYoutubeOffline;
  });
  document.head.append(script);
}

function start(root) {
  if (root.dataset.youtubeId) {
    startYouTube(root);
    return;
  }
  const video = root.querySelector("video");
  if (video) track(root, videoAdapter(video));
}

document.querySelectorAll("[data-lesson-player]").forEach(start);
