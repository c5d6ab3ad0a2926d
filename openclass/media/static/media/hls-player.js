// openclass HLS player: plays <video data-hls-src="…/master.m3u8"> with the browser's own HLS
// where it has it (Safari, iOS), otherwise with hls.js (window.Hls, vendor/hls.js/hls.min.js).
//
// Other scripts (the progress-tracking player) follow the <video> element's own events. Each
// attached element gets `video.openclassPlayer = {video, hls}` and fires "media:player-ready"
// (bubbling, detail = that object); `getPlayer(video)` returns it too. An error the player cannot
// recover from is shown in a role="alert" paragraph after the video and fires "media:player-error".

const HLS_TYPE = "application/vnd.apple.mpegurl";
const players = new WeakMap();

export function getPlayer(video) {
  return players.get(video) || null;
}

function showError(video, message) {
  let box = video.parentElement.querySelector(".player-error");
  if (!box) {
    box = document.createElement("p");
    box.className = "player-error alert error";
    box.setAttribute("role", "alert");
    video.insertAdjacentElement("afterend", box);
  }
  box.textContent = message;
  video.dispatchEvent(new CustomEvent("media:player-error", { bubbles: true, detail: { message } }));
}

function attachHlsJs(video, src) {
  const Hls = window.Hls;
  const config = { capLevelToPlayerSize: true, startLevel: -1 };
  // A worker from our own origin: the CSP (worker-src 'self') forbids hls.js's blob: worker.
  if (video.dataset.hlsWorker) config.workerPath = video.dataset.hlsWorker;
  else config.enableWorker = false;
  const hls = new Hls(config);
  let networkRetries = 0;
  let mediaRecoveries = 0;
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    const status = data.response && data.response.code;
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR && status !== 403 && networkRetries < 3) {
      networkRetries += 1;
      window.setTimeout(() => hls.startLoad(), 1000 * networkRetries);
      return;
    }
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
      mediaRecoveries += 1;
      hls.recoverMediaError();
      return;
    }
    hls.destroy();
    showError(video, status === 403 ? video.dataset.msgExpired : video.dataset.msgError);
  });
  hls.on(Hls.Events.FRAG_LOADED, () => {
    networkRetries = 0;
  });
  hls.loadSource(src);
  hls.attachMedia(video);
  return hls;
}

function attach(video) {
  const src = video.dataset.hlsSrc;
  if (!src || players.has(video)) return;
  let hls = null;
  if (video.canPlayType(HLS_TYPE)) {
    video.src = src;
    video.addEventListener("error", () => showError(video, video.dataset.msgError));
  } else if (window.Hls && window.Hls.isSupported()) {
    hls = attachHlsJs(video, src);
  } else {
    showError(video, video.dataset.msgUnsupported);
    return;
  }
  const player = { video, hls };
  players.set(video, player);
  video.openclassPlayer = player;
  video.dataset.hlsAttached = hls ? "hls.js" : "native";
  video.dispatchEvent(new CustomEvent("media:player-ready", { bubbles: true, detail: player }));
}

export function attachAll(root = document) {
  for (const video of root.querySelectorAll("video[data-hls-src]")) attach(video);
}

attachAll();
document.addEventListener("htmx:load", (event) => {
  if (event.target instanceof Element) attachAll(event.target);
});
