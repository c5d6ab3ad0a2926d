// The lesson form: for a YouTube lesson, this page reads the video's length from YouTube's player
// (IFrame API, getDuration()) into the hidden field `reported_length`, so the server knows how
// long the video is when the lesson is saved (watch progress cannot complete a lesson of unknown
// length). The server checks the figure (a positive number within six hours); a length the
// teacher types wins over it. Without YouTube (offline, blocked) nothing is filled and the form
// asks the teacher for the length.

const POLL_MS = 500;
const POLLS = 20; // getDuration() answers 0 until the video's metadata is in

function youtubeId(address) {
  let url;
  try {
    url = new URL(address);
  } catch {
    return null;
  }
  const host = url.hostname.replace(/^www\./, "").replace(/^m\./, "");
  let candidate = null;
  if (host === "youtu.be") candidate = url.pathname.replace(/^\/+/, "").split("/")[0];
  else if (host === "youtube.com" || host === "youtube-nocookie.com") {
    if (url.pathname === "/watch") candidate = url.searchParams.get("v");
    else if (/^\/(embed|shorts|live)\//.test(url.pathname)) candidate = url.pathname.split("/")[2];
  }
  return candidate && /^[A-Za-z0-9_-]{11}$/.test(candidate) ? candidate : null;
}

let api = null; // a promise of window.YT once the IFrame API is loaded

function loadApi() {
  if (api) return api;
  api = new Promise((resolve, reject) => {
    if (window.YT && window.YT.Player) {
      resolve(window.YT);
      return;
    }
    const previous = window.onYouTubeIframeAPIReady;
    window.onYouTubeIframeAPIReady = () => {
      if (previous) previous();
      resolve(window.YT);
    };
    const script = document.createElement("script");
    script.src = "https://www.youtube.com/iframe_api";
    script.addEventListener("error", () => reject(new Error("YouTube unreachable")));
    document.head.append(script);
  });
  return api;
}

function setUp(form) {
  const kind = form.querySelector("[name=kind]");
  const address = form.querySelector("[name=url]");
  const reported = form.querySelector("[data-reported-length]");
  if (!kind || !address || !reported) return;
  const holder = document.createElement("div");
  holder.hidden = true;
  holder.setAttribute("aria-hidden", "true");
  form.append(holder);
  let player = null;
  let generation = 0; // a later change makes an earlier measurement void

  function measure() {
    generation += 1;
    const mine = generation;
    reported.value = "";
    if (player) {
      player.destroy();
      player = null;
    }
    const id = kind.value === "youtube" ? youtubeId(address.value.trim()) : null;
    if (!id) return;
    loadApi()
      .then((YT) => {
        if (mine !== generation) return;
        const target = document.createElement("div");
        holder.replaceChildren(target);
        player = new YT.Player(target, {
          videoId: id,
          host: "https://www.youtube-nocookie.com",
          events: {
            onReady: () => {
              let polls = 0;
              const poll = () => {
                if (mine !== generation || !player) return;
                const seconds = Number(player.getDuration()) || 0;
                if (seconds > 0) reported.value = seconds.toFixed(3);
                else if ((polls += 1) < POLLS) window.setTimeout(poll, POLL_MS);
              };
              poll();
            },
          },
        });
      })
      .catch(() => {}); // the teacher types the length instead
  }

  kind.addEventListener("change", measure);
  address.addEventListener("change", measure);
  measure();
}

// Only the fields of the chosen kind: a part marked data-kinds="youtube video_url" shows for those
// kinds only. Without this script every part shows and the server takes what the kind needs.
function showKindParts(form) {
  const kind = form.querySelector("[name=kind]");
  if (!kind) return;
  const parts = [...form.querySelectorAll("[data-kinds]")];
  const apply = () => {
    for (const part of parts) {
      part.hidden = !part.dataset.kinds.split(/\s+/).includes(kind.value);
    }
  };
  kind.addEventListener("change", apply);
  apply();
}

const form = document.getElementById("lesson-form");
if (form) {
  showKindParts(form);
  setUp(form);
}
