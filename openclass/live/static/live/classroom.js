// The live classroom (실시간 쌍방향 수업). Two connections:
// - the app's WebSocket (/ws/live/<room>/) for presence, chat, hands, reactions, polls and the
//   teacher's controls (openclass/live/consumers.py);
// - Janus (janus.js, VideoRoom plugin) for the media, joined with a one-time ticket the app
//   issues (asked for over the socket): our camera is published as a feed, and every feed on screen is a
//   subscription of its own. The teacher is shown large, students in pages of a grid; only
//   feeds on screen are subscribed, small tiles take the lowest simulcast layer, and "sound
//   only" subscribes to no video at all.
// When Janus goes away (server down, network lost) the page asks for a new ticket and joins
// again: the app re-creates the room on a healthy server if need be. A ticket never starts the
// class: the host's page sends its own "start" first.

/* global Janus */

const STATUS_MS = 8000; // how long a message stays over the stage
const PHONE = window.matchMedia("(max-width: 48rem), (max-height: 30rem)");
const QUALITY_MS = 2000;
const RECONNECT_MS = 2000;

const $ = (selector, root = document) => root.querySelector(selector);
const config = JSON.parse($("#classroom-config").textContent);
const text = JSON.parse($("#classroom-text").textContent);
const isHost = config.role === "host";

const format = (template, values) =>
  template.replace(/%\((\w+)\)s/g, (_m, key) => String(values[key] ?? ""));

const statusLine = $("[data-status]");
let statusTimer = null;
function say(message) {
  statusLine.textContent = message;
  clearTimeout(statusTimer);
  // In class the line floats over the stage: it goes after a while (its text was announced).
  if (inClass()) statusTimer = setTimeout(() => (statusLine.textContent = ""), STATUS_MS);
}

function inClass() {
  return document.documentElement.classList.contains("in-class");
}

// Icons come from the bundled sprite (live/static/live/icons.svg), never from an emoji font.
function icon(name, className = "") {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", `icon ${className}`.trim());
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
  use.setAttribute("href", `${config.icons}#${name}`);
  svg.append(use);
  return svg;
}

function hiddenText(words) {
  const span = document.createElement("span");
  span.className = "visually-hidden";
  span.textContent = words;
  return span;
}

// --- Class state from the WebSocket -------------------------------------------------------

const people = new Map(); // user id -> person (see live/presence.py: person())
let me = null;
let hands = [];
let spotlight = null;
let roomLocked = false;
let studentsMayShare = false;
let recording = false;
let groups = [];
let myGroup = null; // the breakout room this page is in, or null for the class
let poll = null;
let roomStatus = config.status; // scheduled, open or ended
let socket = null;
let socketRetry = 1000;
let welcomed = false; // this socket has been welcomed into the class (not waiting, not refused)

function connectSocket() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}${config.socketPath}`);
  socket.addEventListener("open", () => {
    socketRetry = 1000;
  });
  socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  socket.addEventListener("close", (event) => {
    welcomed = false;
    // Requests sent on this socket will not be answered: ask again on the next one.
    for (const pending of requests.values()) pending.sent = false;
    if (event.code === 4401 || event.code === 4403) return;
    setTimeout(connectSocket, socketRetry);
    socketRetry = Math.min(socketRetry * 2, 15000);
  });
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function handle(message) {
  switch (message.type) {
    case "welcome":
      me = message.you;
      people.clear();
      for (const person of message.people) people.set(person.user, person);
      hands = message.hands;
      applyState(message);
      $("[data-chat-log]").replaceChildren();
      for (const line of message.chat) addChat(line, true);
      showPoll(message.poll);
      followGroups(message.breakouts);
      roomStatus = message.status;
      if (message.status === "open") enableJoin();
      renderPeople();
      welcomed = true;
      sendRequests();
      break;
    case "ticket":
    case "started":
      answerRequest(message);
      break;
    case "waiting":
      say(text.waiting);
      $("[data-join]").disabled = true;
      break;
    case "admitted":
      if (message.user === config.userId) {
        say(message.admitted ? text.admitted : text.denied);
        if (message.admitted) $("[data-join]").disabled = false;
      } else if (isHost) {
        people.delete(message.user);
        renderPeople();
      }
      break;
    case "denied":
      say(message.message);
      break;
    case "presence":
      for (const change of message.changes) {
        if (change.online) people.set(change.person.user, change.person);
        else people.delete(change.person.user);
      }
      renderPeople();
      layoutTiles();
      break;
    case "state":
      applyState(message);
      roomStatus = message.status;
      if (message.status === "open") enableJoin();
      if (message.status === "ended" && !isHost) {
        leave(false);
        $("[data-prejoin]").hidden = true;
        say(text.ended);
        return;
      }
      layoutTiles();
      break;
    case "chat":
      addChat(message);
      break;
    case "chat.history":
      $("[data-chat-log]").replaceChildren();
      for (const line of message.chat) addChat(line, true);
      break;
    case "chat.deleted":
      $(`[data-chat-id="${message.id}"]`)?.remove();
      break;
    case "hands":
      hands = message.queue;
      renderHands();
      break;
    case "reaction":
      showReaction(message);
      break;
    case "poll":
      showPoll(message.poll);
      break;
    case "breakouts":
      followGroups(message.rooms);
      break;
    case "poll.results":
      showResults(message);
      break;
    case "poll.answered":
      $("[data-poll-results]").textContent = text.answered;
      break;
    case "muted":
      if (message.user === config.userId) mutedByTeacher(message.kind);
      break;
    case "removed":
      if (message.user === config.userId) {
        say(text.removed);
        leave(false);
      }
      break;
    case "error":
      say(message.message);
      break;
    default:
      break;
  }
}

function applyState(state) {
  roomLocked = state.locked;
  studentsMayShare = state.screenShare;
  spotlight = state.spotlight;
  recording = state.recording;
  $("[data-recording-notice]").hidden = !recording;
  $("[data-rec-badge]").hidden = !recording;
  $("[data-record]")?.setAttribute("aria-pressed", String(recording));
  const share = $("[data-toggle-screen]");
  if (share) share.hidden = !(isHost || studentsMayShare);
  const lock = $("[data-lock]");
  if (lock) {
    lock.textContent = roomLocked ? text.unlock : text.lock;
    lock.setAttribute("aria-pressed", String(roomLocked));
  }
  const allow = $("[data-allow-share]");
  if (allow) {
    allow.textContent = studentsMayShare ? text.forbidShare : text.allowShare;
    allow.setAttribute("aria-pressed", String(studentsMayShare));
  }
}

// Breakout rooms: when this page's group changes, its media moves (a new ticket names the
// group's own Janus room) and so does its chat (the server sends the group's); hands, polls
// and the rest stay with the class.
function followGroups(rooms) {
  groups = rooms || [];
  const mine = groups.find((group) => group.members.includes(config.userId));
  const next = mine ? mine.id : null;
  const notice = $("[data-breakout-notice]");
  notice.hidden = !mine;
  notice.textContent = mine ? format(text.inGroup, { name: mine.name }) : "";
  const scope = $("[data-chat-scope]");
  scope.hidden = !mine;
  scope.textContent = mine ? format(text.groupChat, { name: mine.name }) : "";
  renderGroups();
  if (next !== myGroup) {
    myGroup = next;
    if (grant) {
      teardown();
      join();
    }
  }
}

function renderGroups() {
  const list = $("[data-breakout-list]");
  if (!list) return;
  list.replaceChildren();
  for (const group of groups) {
    const item = document.createElement("li");
    const names = group.members.map((id) => people.get(id)?.name).filter(Boolean);
    item.textContent = `${group.name}: ${names.join(", ")}`;
    item.append(
      " ",
      personButton(text.visit, () =>
        send({ type: "breakouts", action: "move", user: config.userId, to: group.id }),
      ),
    );
    list.append(item);
  }
  if (myGroup && isHost) {
    const back = document.createElement("li");
    back.append(
      personButton(text.backToClass, () =>
        send({ type: "breakouts", action: "move", user: config.userId, to: null }),
      ),
    );
    list.append(back);
  }
  $("[data-breakout-close]").hidden = groups.length === 0;
}

function enableJoin() {
  const button = $("[data-join]");
  button.disabled = false;
  $("[data-not-started]")?.remove();
}

function personButton(label, action) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link-button";
  button.textContent = label;
  button.addEventListener("click", action);
  return button;
}

function renderPeople() {
  const list = $("[data-people]");
  const waiting = $("[data-waiting]");
  list.replaceChildren();
  waiting?.replaceChildren();
  let count = 0;
  for (const person of people.values()) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    let label = person.name;
    if (person.role === "host") label += ` (${text.teacher})`;
    if (person.role === "guest") label += ` (${text.guest})`;
    if (person.user === config.userId) label += ` (${text.you})`;
    name.textContent = label;
    item.append(name);
    item.append(flagsOf(person));
    if (person.waiting) {
      if (isHost && waiting) {
        item.append(
          personButton(text.admit, () => send({ type: "admit", user: person.user, admitted: true })),
          personButton(text.deny, () => send({ type: "admit", user: person.user, admitted: false })),
        );
        waiting.append(item);
      }
      continue;
    }
    count += 1;
    if (isHost && person.user !== config.userId && person.role !== "host") {
      item.append(
        personButton(text.mute, () => send({ type: "mute", user: person.user, kind: "audio" })),
        personButton(text.cameraOff, () => send({ type: "mute", user: person.user, kind: "video" })),
        personButton(text.spotlight, () =>
          send({ type: "room", spotlight: spotlight === person.user ? null : person.user }),
        ),
        personButton(text.remove, () => {
          if (window.confirm(text.removeConfirm)) send({ type: "remove", user: person.user });
        }),
      );
    }
    list.append(item);
  }
  $("[data-people-count]").textContent = String(count);
  renderHands();
  markTiles();
}

// A person's microphone, camera and hand, as icons with words for screen readers.
function flagsOf(person) {
  const flags = document.createElement("span");
  flags.className = "flags";
  flags.append(
    icon(person.audio ? "mic" : "mic-off", person.audio ? "" : "off"),
    hiddenText(person.audio ? text.micOn : text.micIsOff),
    icon(person.video ? "camera" : "camera-off", person.video ? "" : "off"),
    hiddenText(person.video ? text.camOn : text.cameraIsOff),
  );
  if (person.hand) flags.append(icon("hand"), hiddenText(text.handIsUp));
  return flags;
}

// Names, microphones, cameras and hands on the tiles (and on one's own picture).
function markTiles() {
  for (const subscription of subscriptions.values()) {
    const owner = ownerOf(subscription.feedId);
    if (owner) markTile(subscription.tile, owner, isScreenFeed(subscription.feedId));
  }
  const mine = me ? people.get(me.user) : null;
  const self = $("[data-self-view]");
  if (mine || me) {
    const name = (mine || me).name;
    $("[data-self-name]").textContent = `${name} (${text.you})`;
    $("[data-self-initial]").textContent = name.slice(0, 1);
  }
  if (publisher) $("[data-self-mic]").hidden = !publisher.isAudioMuted();
  self.classList.toggle("no-video", !selfVideoOn());
}

function markTile(tile, person, screen) {
  tile.querySelector("[data-tile-name]").textContent = screen
    ? format(text.screenOf, { name: person.name })
    : person.name;
  tile.querySelector(".avatar").textContent = person.name.slice(0, 1);
  tile.querySelector("[data-tile-mic]").hidden = screen || person.audio;
  tile.querySelector("[data-tile-hand]").hidden = screen || !person.hand;
  tile.classList.toggle("no-video", !screen && !person.video);
  tile.classList.toggle("screen", screen);
}

// A shared screen is a feed with video and no sound (a camera feed always carries a microphone,
// muted or not).
function isScreenFeed(feedId) {
  const streams = feeds.get(feedId)?.streams || [];
  return streams.length > 0 && !streams.some((stream) => stream.type === "audio");
}

function renderHands() {
  const list = $("[data-hands]");
  list.replaceChildren();
  for (const hand of hands) {
    const item = document.createElement("li");
    item.textContent = hand.name;
    if (isHost) item.append(" ", personButton(text.lowerHand, () => send({ type: "hand.lower", user: hand.user })));
    list.append(item);
  }
  const mine = hands.some((hand) => hand.user === config.userId);
  $("[data-toggle-hand]")?.setAttribute("aria-pressed", String(mine));
  // The teacher's People button counts who asks for attention: raised hands and the waiting.
  const waiting = [...people.values()].filter((person) => person.waiting).length;
  const badge = $("[data-hands-badge]");
  badge.hidden = !isHost || hands.length + waiting === 0;
  badge.textContent = String(hands.length + waiting);
  markTiles();
}

function addChat(line, old = false) {
  const item = document.createElement("li");
  item.dataset.chatId = line.id;
  const who = document.createElement("strong");
  who.textContent = `${line.name}: `;
  item.append(who, document.createTextNode(line.text));
  if (isHost) {
    const remove = personButton("", () => send({ type: "chat.delete", id: line.id }));
    remove.append(icon("trash"), hiddenText(text.delete));
    item.append(" ", remove);
  }
  const log = $("[data-chat-log]");
  log.append(item);
  log.scrollTop = log.scrollHeight;
  if (!old && line.user !== config.userId && $("#panel-chat").hidden) {
    unread += 1;
    const badge = $("[data-chat-badge]");
    badge.hidden = false;
    badge.textContent = String(unread);
  }
}

let unread = 0;

// A reaction floats up over the stage for a few seconds, drawn from the bundled SVG pictures.
function showReaction(message) {
  const reaction = config.reactions.find((r) => r.emoji === message.emoji);
  if (!reaction) return;
  const stream = $("[data-reaction-stream]");
  const item = document.createElement("li");
  const picture = document.createElement("img");
  picture.src = reaction.icon;
  picture.alt = "";
  item.append(picture, format(text.reacted, { name: message.name, reaction: reaction.label }));
  stream.append(item);
  while (stream.children.length > 5) stream.firstElementChild.remove();
  setTimeout(() => item.remove(), 4000);
}

function showPoll(current) {
  poll = current;
  const panel = $("[data-poll]");
  if (!current) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  $("[data-poll-question]").textContent = current.question;
  $("[data-poll-results]").textContent = "";
  const choices = $("[data-poll-choices]");
  choices.replaceChildren();
  current.choices.forEach((choice, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary";
    button.textContent = `${index + 1}. ${choice}`;
    button.setAttribute("aria-pressed", String(current.mine === index));
    button.disabled = isHost || !current.open || config.role !== "student";
    button.addEventListener("click", () => {
      send({ type: "poll.answer", poll: current.id, choice: index });
      for (const other of choices.children) other.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-pressed", "true");
    });
    choices.append(button);
  });
}

function showResults(results) {
  if (!poll || results.poll !== poll.id) return;
  const lines = results.counts.map((count, index) => `${index + 1}. ${poll.choices[index]}: ${count}`);
  let summary = `${format(text.answeredCount, results)} — ${lines.join(", ")}`;
  if (results.correct !== null && results.correct !== undefined) {
    summary += ` — ${format(text.correct, { choice: results.correct + 1 })}`;
    for (const button of $("[data-poll-choices]").children) button.disabled = true;
  }
  $("[data-poll-results]").textContent = summary;
}

// --- Media with Janus ---------------------------------------------------------------------

let janus = null;
let publisher = null; // our camera feed's handle
let screenJanus = null;
let screenHandle = null;
let grant = null;
let privateId = null;
let leaving = false;
let roomGone = false; // Janus destroyed our room: wait for the class to say what is next
let audioOnly = false;
let page = 0;
const feeds = new Map(); // feed id -> {id, display, streams, talking}
const subscriptions = new Map(); // feed id -> {handle, stream, tile, videoMid}
let qualityTimer = null;
let preview = null;

// Tickets, and the host's start, are asked for over the classroom socket (it knows who we
// are); each request waits for its own answer, matched by its number, and for the socket's
// welcome when the socket is reconnecting.
const REQUEST_MS = 15000;
const requests = new Map(); // request number -> {resolve, reject, timer, message, sent}
let requestNumber = 0;

function request(message) {
  return new Promise((resolve, reject) => {
    const number = ++requestNumber;
    const timer = setTimeout(() => {
      requests.delete(number);
      reject(new Error(text.noTicket));
    }, REQUEST_MS);
    requests.set(number, { resolve, reject, timer, message, sent: false });
    sendRequests();
  });
}

function sendRequests() {
  if (!welcomed || !socket || socket.readyState !== WebSocket.OPEN) return;
  for (const [number, pending] of requests) {
    if (pending.sent) continue;
    pending.sent = true;
    send({ ...pending.message, request: number });
  }
}

function answerRequest(message) {
  const pending = requests.get(message.request);
  if (!pending) return;
  requests.delete(message.request);
  clearTimeout(pending.timer);
  if (message.error) pending.reject(new Error(message.error));
  else pending.resolve(message);
}

async function ticket(purpose = "camera") {
  return (await request({ type: "ticket", purpose })).grant;
}

// The host starts the class with a command of its own before joining it (a ticket never
// starts a class); every page of the class then hears that it is open.
async function startClass() {
  if (roomStatus !== "open") await request({ type: "start" });
}

// A Janus session; once it is up, losing it (server gone, network lost) means joining again.
function janusSession(granted) {
  return new Promise((resolve, reject) => {
    let up = false;
    const session = new Janus({
      server: granted.server,
      iceServers: granted.iceServers,
      token: granted.token,
      keepAlivePeriod: 10000,
      success: () => {
        up = true;
        resolve(session);
      },
      error: (cause) => {
        // A session this page has already let go of may still report its end: ignore it.
        if (up && (session === janus || session === screenJanus)) lostConnection();
        else if (!up) reject(new Error(String(cause)));
      },
      destroyed: () => {},
    });
  });
}

function attach(session, callbacks) {
  return new Promise((resolve, reject) => {
    session.attach({
      plugin: "janus.plugin.videoroom",
      opaqueId: `openclass-${config.userId}`,
      success: resolve,
      error: (cause) => reject(new Error(String(cause))),
      ...callbacks,
    });
  });
}

async function join() {
  leaving = false;
  roomGone = false;
  $("[data-join]").disabled = true;
  say(text.joining);
  try {
    if (isHost) await startClass();
    grant = await ticket();
  } catch (error) {
    say(error.message);
    $("[data-join]").disabled = false;
    return;
  }
  audioOnly = $("[data-audio-only]").checked;
  const withCamera = $("[data-join-camera]").checked && !audioOnly;
  const withMic = $("[data-join-mic]").checked;
  stopPreview();
  enterClassroom();
  try {
    janus = await janusSession(grant);
    publisher = await attach(janus, {
      onmessage: onPublisherMessage,
      onlocaltrack: onLocalTrack,
      webrtcState: (on) => {
        if (on) reportMedia();
      },
      onremotetrack: () => {},
      oncleanup: () => {},
    });
  } catch (error) {
    lostConnection(error);
    return;
  }
  publisher.joinOptions = { withCamera, withMic };
  publisher.send({
    message: {
      request: "join",
      ptype: "publisher",
      room: grant.room,
      id: grant.feed,
      display: grant.display,
      token: grant.pin,
    },
  });
  qualityTimer = setInterval(measureQuality, QUALITY_MS);
}

function onPublisherMessage(message, jsep) {
  const event = message.videoroom;
  if (event === "joined") {
    // Subscriptions present this id: Janus's proof that we joined with an allowed token.
    privateId = message.private_id;
    say(text.joined);
    publish(publisher.joinOptions);
    addFeeds(message.publishers || []);
  } else if (event === "event") {
    if (message.publishers) addFeeds(message.publishers);
    const gone = message.leaving ?? message.unpublished;
    if (gone === "ok" && message.reason === "kicked") {
      say(text.removed);
      leave(false);
    } else if (gone !== undefined && gone !== "ok") {
      removeFeed(gone);
    }
    if (message.error) say(message.error);
  } else if (event === "talking" || event === "stopped-talking") {
    const feed = feeds.get(message.id);
    if (feed) {
      feed.talking = event === "talking";
      if (feed.talking && lastTalker !== feed.id) {
        lastTalker = feed.id;
        if (!spotlight && view === "speaker") layoutTiles();
      }
      subscriptions.get(message.id)?.tile.classList.toggle("talking", feed.talking);
    }
  } else if (event === "destroyed") {
    // Only the app destroys rooms: the class ended or its groups closed. What comes next
    // arrives over the WebSocket (the end of class, or the room to move to).
    roomGone = true;
    teardown();
  }
  if (jsep) publisher.handleRemoteJsep({ jsep });
}

function publish({ withCamera, withMic }) {
  const camera = $("[data-camera-select]").value;
  const mic = $("[data-mic-select]").value;
  const tracks = [
    { type: "audio", capture: mic ? { deviceId: { exact: mic } } : true, recv: false },
  ];
  if (!audioOnly) {
    tracks.push({
      type: "video",
      capture: camera ? { deviceId: { exact: camera }, width: 640, height: 480 } : true,
      recv: false,
      simulcast: true,
    });
  }
  publisher.createOffer({
    tracks,
    success: (jsep) => {
      publisher.send({ message: { request: "configure", audio: true, video: !audioOnly }, jsep });
      if (!withMic) setMic(false, false);
      if (!withCamera && !audioOnly) setCamera(false, false);
    },
    error: () => {
      say(text.noDevice);
    },
  });
}

// The page after joining: the pre-join check goes, the classroom takes the whole window.
function enterClassroom() {
  $("[data-prejoin]").hidden = true;
  document.documentElement.classList.add("in-class");
  const classroom = $("[data-classroom]");
  classroom.hidden = false;
  // The join button went away with the check: the focus goes to the class's title (not again
  // when the page rejoins after a dropped connection or a move between groups).
  if (!classroom.contains(document.activeElement)) $("[data-room-title]").focus();
  markTiles();
  layoutTiles();
}

function leaveClassroom() {
  document.documentElement.classList.remove("in-class");
  $("[data-classroom]").hidden = true;
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
}

// One's own camera, small in the corner (the track we publish; muted, never sent back to us).
let selfTrack = null;
function onLocalTrack(track, on) {
  if (track.kind !== "video") return;
  const video = $("[data-self-video]");
  if (!on) {
    if (selfTrack === track) {
      selfTrack = null;
      video.srcObject = null;
    }
  } else {
    selfTrack = track;
    video.srcObject = new MediaStream([track]);
    video.play().catch(() => {});
  }
  markTiles();
}

function selfVideoOn() {
  return Boolean(selfTrack && publisher && !audioOnly && !publisher.isVideoMuted());
}

function addFeeds(list) {
  for (const item of list) {
    if (item.id === grant.feed) continue;
    feeds.set(item.id, { id: item.id, display: item.display, streams: item.streams || [] });
  }
  layoutTiles();
}

function removeFeed(id) {
  feeds.delete(id);
  unsubscribe(id);
  layoutTiles();
}

function ownerOf(feedId) {
  for (const person of people.values()) if (person.feeds.includes(feedId)) return person;
  return null;
}

function makeTile(label) {
  const tile = document.createElement("figure");
  tile.className = "tile";
  const video = document.createElement("video");
  video.autoplay = true;
  video.playsInline = true;
  const avatar = document.createElement("span");
  avatar.className = "avatar";
  avatar.setAttribute("aria-hidden", "true");
  avatar.textContent = label.slice(0, 1);
  const caption = document.createElement("figcaption");
  const name = document.createElement("span");
  name.dataset.tileName = "";
  name.textContent = label;
  const mic = document.createElement("span");
  mic.className = "tile-state";
  mic.dataset.tileMic = "";
  mic.hidden = true;
  mic.append(icon("mic-off"), hiddenText(text.micIsOff));
  const hand = document.createElement("span");
  hand.className = "tile-state hand";
  hand.dataset.tileHand = "";
  hand.hidden = true;
  hand.append(icon("hand"), hiddenText(text.handIsUp));
  caption.append(name, mic, hand);
  tile.append(video, avatar, caption);
  return tile;
}

// How many tiles fit on a page. Gallery: the grid of 16:9 tiles (at least MIN_TILE wide) with
// the largest tiles for the page's count. Speaker view: a strip under the large picture, or on
// an upright phone two columns under it.
const GAP = 8;
const UPRIGHT = window.matchMedia("(max-width: 48rem) and (orientation: portrait)");
function fit(count, withMain) {
  const stage = $("[data-stage]");
  const width = stage.clientWidth - 16;
  const pagesRoom = 52;
  if (view === "speaker" && UPRIGHT.matches) {
    const free = stage.clientHeight - 16 - (withMain ? (width * 3) / 4 + GAP : 0) - pagesRoom;
    const tileWidth = (width - GAP) / 2;
    const rows = Math.max(1, Math.floor((free + GAP) / ((tileWidth * 9) / 16 + GAP)));
    return { capacity: 2 * rows, cols: 2, tileWidth };
  }
  if (view === "speaker") {
    const height = PHONE.matches ? (window.innerHeight < 480 ? 72 : 88) : 120;
    const tile = (height * 16) / 9 + GAP;
    return { capacity: Math.max(1, Math.floor((width + GAP) / tile)), cols: 0, tileWidth: 0 };
  }
  const height = stage.clientHeight - 16 - pagesRoom;
  const min = width < 600 ? 150 : 240;
  const maxCols = Math.max(1, Math.floor((width + GAP) / (min + GAP)));
  const maxRows = Math.max(1, Math.floor((height + GAP) / ((min * 9) / 16 + GAP)));
  const capacity = Math.min(maxCols * maxRows, 25);
  const shown = Math.max(1, Math.min(count, capacity));
  let best = { cols: 1, tileWidth: 0 };
  for (let cols = 1; cols <= Math.min(shown, maxCols); cols += 1) {
    const rows = Math.ceil(shown / cols);
    const tileWidth = Math.min(
      (width - GAP * (cols - 1)) / cols,
      (((height + pagesRoom - GAP * (rows - 1)) / rows) * 16) / 9,
    );
    if (tileWidth > best.tileWidth) best = { cols, tileWidth };
  }
  return { capacity, cols: best.cols, tileWidth: Math.floor(best.tileWidth) };
}

// Which feeds are on screen. Speaker view: the spotlight (or a shared screen, or the teacher,
// or whoever spoke last) large, the others in a strip that pages. Gallery view: everyone in
// equal tiles, in pages of as many as fit.
let view = "speaker";
let lastTalker = null;
function layoutTiles() {
  if (!grant) return;
  const all = [...feeds.values()];
  const isMain = (feed) => {
    const owner = ownerOf(feed.id);
    if (spotlight) return owner?.user === spotlight;
    return owner?.role === "host" || isScreenFeed(feed.id);
  };
  let main = all.filter(isMain);
  // A shared screen is the speaker view's picture; its owner's camera joins the strip.
  const screens = main.filter((feed) => isScreenFeed(feed.id));
  if (screens.length) main = screens;
  if (!main.length && all.length) main = [feeds.get(lastTalker) || all[0]];
  const inGallery = view === "gallery";
  const rest = inGallery ? [...main, ...all.filter((f) => !main.includes(f))] : all.filter((f) => !main.includes(f));
  const { capacity, cols, tileWidth } = fit(rest.length, !inGallery && main.length > 0);
  const pages = Math.max(1, Math.ceil(rest.length / capacity));
  page = Math.min(page, pages - 1);
  const visible = rest.slice(page * capacity, (page + 1) * capacity);
  const grid = $("[data-grid]");
  if (cols) {
    grid.style.setProperty("--cols", String(cols));
    grid.style.setProperty("--tile-w", `${tileWidth}px`);
  }
  $("[data-grid-pages]").hidden = pages < 2;
  $("[data-page-label]").textContent = format(text.page, { page: page + 1, pages });
  $("[data-page-prev]").disabled = page === 0;
  $("[data-page-next]").disabled = page >= pages - 1;
  const large = inGallery ? [] : main;
  const wanted = new Set([...large, ...visible].map((feed) => feed.id));
  for (const id of subscriptions.keys()) if (!wanted.has(id)) unsubscribe(id);
  for (const feed of large) placeTile(feed, $("[data-main-tile]"), 2);
  // Few tiles in the gallery are large enough for the better layers.
  const small = inGallery && visible.length <= 4 ? 2 : 0;
  for (const feed of visible) placeTile(feed, grid, small);
  // Keep the order of the page (a tile moved between views is appended at the end otherwise).
  visible.forEach((feed, index) => {
    const tile = subscriptions.get(feed.id)?.tile;
    if (tile && grid.children[index] !== tile) grid.insertBefore(tile, grid.children[index] || null);
  });
  $("[data-stage-empty]").hidden = all.length > 0;
  markTiles();
}

function placeTile(feed, container, substream) {
  let subscription = subscriptions.get(feed.id);
  if (!subscription) {
    // A feed announced before our own "joined" (Janus sends the two from different threads)
    // waits for the private id that a subscription needs; "joined" lays the tiles out again.
    if (privateId === null) return;
    subscription = subscribe(feed, substream);
  }
  if (subscription.tile.parentElement !== container) container.append(subscription.tile);
  if (
    subscription.substream !== substream &&
    subscription.videoMid &&
    subscription.ready &&
    usable(subscription)
  ) {
    subscription.substream = substream;
    subscription.handle.send({
      message: { request: "configure", streams: [{ mid: subscription.videoMid, substream }] },
    });
  }
}

// A subscription lives while its tile is on screen. Janus and the page talk about it over
// separate HTTP requests, so the page keeps to one rule: nothing is sent on a handle that is
// negotiating out of turn, hung up by Janus or on its way out. A negotiation ends on Janus's
// own event (not on the acknowledgement of our answer), and a handle leaves (detach) only once
// its negotiation is over, so no answer or ICE candidate of ours arrives after it.
const SETTLE_MS = 5000;

function subscribe(feed, substream) {
  const owner = ownerOf(feed.id);
  const tile = makeTile(owner ? owner.name : feed.display);
  tile.dataset.feed = String(feed.id);
  const subscription = {
    feedId: feed.id,
    tile,
    stream: new MediaStream(),
    substream,
    ready: false,
    handle: null,
    joining: false, // asked to subscribe, Janus's first offer not yet here
    answering: false, // our answer being made
    starting: false, // our answer sent, Janus's "started" not yet here
    nextOffer: null, // an offer that came meanwhile, answered once this negotiation is over
    hungUp: false,
    leaving: false,
  };
  subscriptions.set(feed.id, subscription);
  attach(janus, {
    onmessage: (message, jsep) => {
      const streams = message.streams || [];
      const video = streams.find((s) => s.type === "video");
      if (video) subscription.videoMid = video.mid;
      if (message.started === "ok" || message.error) settle(subscription);
      if (jsep) {
        subscription.joining = false;
        answerOffer(subscription, jsep);
      }
    },
    onremotetrack: (track, mid, on) => {
      if (on) subscription.stream.addTrack(track);
      else subscription.stream.removeTrack(track);
      Janus.attachMediaStream(tile.querySelector("video"), subscription.stream);
    },
    // Janus closed this PeerConnection (its feed lost every stream): start afresh if the feed
    // is still on screen.
    webrtcState: (on) => {
      if (on || subscription.hungUp) return;
      subscription.hungUp = true;
      settle(subscription);
      if (subscriptions.get(feed.id) === subscription) {
        unsubscribe(feed.id);
        setTimeout(layoutTiles, RECONNECT_MS);
      }
    },
    onlocaltrack: () => {},
    oncleanup: () => {},
  })
    .then((handle) => {
      subscription.handle = handle;
      if (subscription.leaving) {
        handle.detach();
        return;
      }
      const streams = audioOnly
        ? feed.streams.filter((s) => s.type === "audio").map((s) => ({ feed: feed.id, mid: s.mid }))
        : [{ feed: feed.id }];
      subscription.joining = true;
      handle.send({
        message: {
          request: "join",
          ptype: "subscriber",
          room: grant.room,
          streams: streams.length ? streams : [{ feed: feed.id }],
          private_id: privateId,
        },
        error: () => settle(subscription),
      });
    })
    .catch(() => {
      if (subscriptions.get(feed.id) === subscription) subscriptions.delete(feed.id);
      tile.remove();
    });
  return subscription;
}

function usable(subscription) {
  return !subscription.hungUp && !subscription.leaving && subscription.handle;
}

function negotiating(subscription) {
  return subscription.joining || subscription.answering || subscription.starting;
}

// Janus offers once when we subscribe and again whenever the feed changes (a stream muted by
// the teacher, a layer added): one answer at a time, each to the offer still current.
function answerOffer(subscription, jsep) {
  if (!usable(subscription)) return;
  if (subscription.answering || subscription.starting) {
    subscription.nextOffer = jsep;
    return;
  }
  subscription.answering = true;
  subscription.handle.createAnswer({
    jsep,
    tracks: [{ type: "data" }],
    success: (answer) => {
      if (!usable(subscription)) {
        settle(subscription);
        return;
      }
      const first = !subscription.ready;
      subscription.ready = true;
      subscription.answering = false;
      subscription.starting = true;
      subscription.handle.send({
        message: { request: "start", room: grant.room },
        jsep: answer,
        error: () => settle(subscription),
      });
      // Janus starts with the best simulcast layer; a small tile needs the lowest.
      if (first && subscription.videoMid && subscription.substream !== 2) {
        subscription.handle.send({
          message: {
            request: "configure",
            streams: [{ mid: subscription.videoMid, substream: subscription.substream }],
          },
        });
      }
    },
    error: () => settle(subscription),
  });
}

// The negotiation in hand is over (Janus started the stream, refused, or hung up): answer the
// offer that came meanwhile, or let a handle that was waiting to leave go.
function settle(subscription) {
  if (!negotiating(subscription)) return;
  subscription.joining = false;
  subscription.answering = false;
  subscription.starting = false;
  const next = subscription.nextOffer;
  subscription.nextOffer = null;
  if (subscription.leaving) {
    detachWhenGathered(subscription);
    return;
  }
  if (next && subscriptions.get(subscription.feedId) === subscription) {
    answerOffer(subscription, next);
  }
}

function detachWhenGathered(subscription) {
  const handle = subscription.handle;
  if (!handle || subscription.detached) return;
  const pc = handle.webrtcStuff?.pc;
  if (pc && pc.iceGatheringState === "gathering" && !subscription.waitedForIce) {
    subscription.waitedForIce = true;
    pc.addEventListener("icegatheringstatechange", () => detachWhenGathered(subscription));
    setTimeout(() => detachWhenGathered(subscription), SETTLE_MS);
    return;
  }
  subscription.detached = true;
  handle.detach();
}

function unsubscribe(id, { detach = true } = {}) {
  const subscription = subscriptions.get(id);
  if (!subscription) return;
  subscriptions.delete(id);
  subscription.tile.remove();
  subscription.leaving = true;
  subscription.nextOffer = null;
  if (!detach) {
    subscription.detached = true; // its session is going as a whole
    return;
  }
  // Mid-negotiation it goes when the negotiation settles, or after SETTLE_MS at the latest.
  if (negotiating(subscription)) {
    setTimeout(() => detachWhenGathered(subscription), SETTLE_MS);
  } else {
    detachWhenGathered(subscription);
  }
}

function streamsOf(handle, feedId) {
  const pc = handle?.webrtcStuff?.pc;
  if (!pc) return [];
  return pc
    .getTransceivers()
    .filter((t) => t.mid !== null && t.sender?.track)
    .map((t) => ({ feed: feedId, mid: t.mid, kind: t.sender.track.kind }));
}

function reportMedia() {
  if (!publisher) return;
  send({
    type: "media",
    audio: !publisher.isAudioMuted(),
    video: !audioOnly && !publisher.isVideoMuted(),
    screen: Boolean(screenHandle),
    streams: [...streamsOf(publisher, grant.feed), ...streamsOf(screenHandle, screenHandle?.feed)],
  });
  $("[data-toggle-mic]").setAttribute("aria-pressed", String(!publisher.isAudioMuted()));
  const cam = $("[data-toggle-cam]");
  cam.setAttribute("aria-pressed", String(!audioOnly && !publisher.isVideoMuted()));
  cam.disabled = audioOnly;
  $("[data-toggle-screen]").setAttribute("aria-pressed", String(Boolean(screenHandle)));
  markTiles();
}

function setMic(on, report = true) {
  if (!publisher) return;
  if (on) {
    send({ type: "unmute", kind: "audio" });
    publisher.unmuteAudio();
  } else publisher.muteAudio();
  if (report) reportMedia();
}

function setCamera(on, report = true) {
  if (!publisher || audioOnly) return;
  if (on) {
    send({ type: "unmute", kind: "video" });
    publisher.unmuteVideo();
  } else publisher.muteVideo();
  if (report) reportMedia();
}

function mutedByTeacher(kind) {
  if (kind === "audio") {
    setMic(false);
    say(text.mutedAudio);
  } else {
    setCamera(false);
    say(text.mutedVideo);
  }
}

async function toggleScreen() {
  const button = $("[data-toggle-screen]");
  if (screenHandle) {
    screenHandle.hangup();
    screenHandle.detach();
    screenHandle = null;
    screenJanus?.destroy();
    screenJanus = null;
    button.setAttribute("aria-pressed", "false");
    reportMedia();
    return;
  }
  let screenGrant;
  try {
    screenGrant = await ticket("screen");
    screenJanus = await janusSession(screenGrant);
    screenHandle = await attach(screenJanus, {
      onmessage: (message, jsep) => {
        if (message.videoroom === "joined") {
          screenHandle.createOffer({
            tracks: [{ type: "screen", capture: true, recv: false }],
            success: (offer) =>
              screenHandle.send({ message: { request: "configure", video: true }, jsep: offer }),
            error: () => toggleScreen(),
          });
        }
        if (jsep) screenHandle.handleRemoteJsep({ jsep });
      },
      webrtcState: (on) => {
        if (on) reportMedia();
      },
      onlocaltrack: () => {},
      onremotetrack: () => {},
      oncleanup: () => {},
    });
  } catch (error) {
    say(error.message);
    screenHandle = null;
    return;
  }
  screenHandle.feed = screenGrant.feed;
  screenHandle.send({
    message: {
      request: "join",
      ptype: "publisher",
      room: screenGrant.room,
      id: screenGrant.feed,
      display: format(text.screenOf, { name: screenGrant.display }),
      token: screenGrant.pin,
    },
  });
  button.setAttribute("aria-pressed", "true");
}

async function measureQuality() {
  const pc = publisher?.webrtcStuff?.pc;
  const label = $("[data-quality]");
  if (!pc) return;
  const report = await pc.getStats();
  let rtt = null;
  let lost = 0;
  report.forEach((stat) => {
    if (stat.type === "remote-inbound-rtp") {
      if (typeof stat.roundTripTime === "number") rtt = Math.max(rtt ?? 0, stat.roundTripTime);
      if (typeof stat.fractionLost === "number") lost = Math.max(lost, stat.fractionLost);
    }
  });
  let level = "good";
  if ((rtt !== null && rtt > 0.4) || lost > 0.1) level = "poor";
  else if ((rtt !== null && rtt > 0.15) || lost > 0.03) level = "fair";
  label.textContent = text[level];
  label.dataset.level = level;
  // Each tile keeps what its subscription decoded: a frozen tile is visible in the markup.
  for (const subscription of subscriptions.values()) {
    const remote = subscription.handle?.webrtcStuff?.pc;
    if (!remote) continue;
    const stats = await remote.getStats();
    stats.forEach((stat) => {
      if (stat.type === "inbound-rtp" && stat.kind === "video") {
        subscription.tile.dataset.framesDecoded = String(stat.framesDecoded ?? 0);
      }
    });
  }
}

function lostConnection() {
  if (leaving || roomGone) return;
  say(text.reconnecting);
  teardown();
  setTimeout(() => {
    if (!leaving && !roomGone) join();
  }, RECONNECT_MS);
}

function teardown() {
  clearInterval(qualityTimer);
  // Destroying the session ends its handles on Janus too: no request per handle.
  for (const id of [...subscriptions.keys()]) unsubscribe(id, { detach: false });
  feeds.clear();
  privateId = null;
  try {
    janus?.destroy({ unload: false, cleanupHandles: true });
    screenJanus?.destroy({ unload: false, cleanupHandles: true });
  } catch {
    // already gone
  }
  janus = null;
  publisher = null;
  screenJanus = null;
  screenHandle = null;
}

function leave(goBack = true) {
  leaving = true;
  teardown();
  leaveClassroom();
  if (goBack) location.assign($("[data-back]").href);
}

// --- Pre-join check -----------------------------------------------------------------------

async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [kind, selector] of [
    ["videoinput", "[data-camera-select]"],
    ["audioinput", "[data-mic-select]"],
  ]) {
    const select = $(selector);
    const chosen = select.value;
    select.replaceChildren();
    devices
      .filter((device) => device.kind === kind)
      .forEach((device, index) => {
        const option = document.createElement("option");
        option.value = device.deviceId;
        const word = kind === "videoinput" ? text.camera : text.microphone;
        option.textContent = device.label || `${word} ${index + 1}`;
        select.append(option);
      });
    if (chosen) select.value = chosen;
  }
}

async function startPreview() {
  stopPreview();
  const camera = $("[data-camera-select]").value;
  const mic = $("[data-mic-select]").value;
  try {
    preview = await navigator.mediaDevices.getUserMedia({
      video: camera ? { deviceId: { exact: camera } } : true,
      audio: mic ? { deviceId: { exact: mic } } : true,
    });
  } catch {
    say(text.noDevice);
    return;
  }
  $("[data-preview]").srcObject = preview;
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  context.createMediaStreamSource(preview).connect(analyser);
  const samples = new Uint8Array(analyser.fftSize);
  const level = $("[data-mic-level]");
  const draw = () => {
    if (!preview) {
      context.close();
      return;
    }
    analyser.getByteTimeDomainData(samples);
    const peak = samples.reduce((max, value) => Math.max(max, Math.abs(value - 128)), 0);
    level.style.width = `${Math.min(100, (peak / 128) * 200)}%`;
    requestAnimationFrame(draw);
  };
  draw();
  await listDevices();
}

function stopPreview() {
  if (!preview) return;
  for (const track of preview.getTracks()) track.stop();
  preview = null;
  $("[data-preview]").srcObject = null;
}

// --- Panels, reactions, the layout on resize ----------------------------------------------

const openPanels = []; // panel names, the last opened last

function showPanel(name, open) {
  const panel = $(`[data-panel="${name}"]`);
  if (!panel) return;
  if (open && PHONE.matches) for (const other of [...openPanels]) if (other !== name) showPanel(other, false);
  panel.hidden = !open;
  $(`[data-panel-toggle="${name}"]`).setAttribute("aria-pressed", String(open));
  const at = openPanels.indexOf(name);
  if (at >= 0) openPanels.splice(at, 1);
  if (open) {
    openPanels.push(name);
    panel.querySelector("h2").focus();
  }
  if (name === "chat" && open) {
    unread = 0;
    $("[data-chat-badge]").hidden = true;
    const log = $("[data-chat-log]");
    log.scrollTop = log.scrollHeight;
  }
  $("[data-side]").hidden = openPanels.length === 0;
  layoutSoon();
}

function showReactions(open) {
  $("[data-reactions]").hidden = !open;
  $("[data-reactions-toggle]").setAttribute("aria-pressed", String(open));
  if (open) $("[data-reaction]").focus();
}

let layoutFrame = 0;
function layoutSoon() {
  cancelAnimationFrame(layoutFrame);
  layoutFrame = requestAnimationFrame(() => layoutTiles());
}

// --- Wiring -------------------------------------------------------------------------------

function wire() {
  $("[data-join]").addEventListener("click", join);
  $("[data-camera-select]").addEventListener("change", startPreview);
  $("[data-mic-select]").addEventListener("change", startPreview);
  $("[data-toggle-mic]").addEventListener("click", () => setMic(publisher?.isAudioMuted()));
  $("[data-toggle-cam]").addEventListener("click", () => setCamera(publisher?.isVideoMuted()));
  $("[data-toggle-screen]")?.addEventListener("click", toggleScreen);
  $("[data-toggle-hand]")?.addEventListener("click", () =>
    send({ type: "hand", raised: !hands.some((hand) => hand.user === config.userId) }),
  );
  for (const button of document.querySelectorAll("[data-reaction]")) {
    button.addEventListener("click", () => {
      send({ type: "reaction", emoji: button.dataset.reaction });
      showReactions(false);
    });
  }
  $("[data-reactions-toggle]").addEventListener("click", () =>
    showReactions($("[data-reactions]").hidden),
  );
  for (const button of document.querySelectorAll("[data-panel-toggle]")) {
    button.addEventListener("click", () => {
      const name = button.dataset.panelToggle;
      showPanel(name, $(`[data-panel="${name}"]`).hidden);
    });
  }
  for (const button of document.querySelectorAll("[data-panel-close]")) {
    button.addEventListener("click", () => showPanel(button.dataset.panelClose, false));
  }
  $("[data-gallery]").addEventListener("click", (event) => {
    view = view === "gallery" ? "speaker" : "gallery";
    page = 0;
    $("[data-classroom]").dataset.view = view;
    event.currentTarget.setAttribute("aria-pressed", String(view === "gallery"));
    layoutTiles();
  });
  const fullscreen = $("[data-fullscreen]");
  fullscreen.hidden = !document.fullscreenEnabled;
  fullscreen.addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else $("[data-classroom]").requestFullscreen().catch((error) => say(error.message));
  });
  document.addEventListener("fullscreenchange", () => {
    fullscreen.setAttribute("aria-pressed", String(Boolean(document.fullscreenElement)));
    layoutSoon();
  });
  // Escape closes the reactions, then the panel last opened; arrows move along the controls.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !inClass()) return;
    if (!$("[data-reactions]").hidden) {
      showReactions(false);
      $("[data-reactions-toggle]").focus();
    } else if (openPanels.length) {
      const name = openPanels[openPanels.length - 1];
      showPanel(name, false);
      $(`[data-panel-toggle="${name}"]`).focus();
    }
  });
  $("[data-controls]").addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    if (event.target.closest("[data-reactions]")) return;
    const controls = [...document.querySelectorAll("[data-controls] > .control:not([hidden]), [data-controls] > * > .control:not([hidden])")];
    const index = controls.indexOf(event.target);
    if (index < 0) return;
    const next = controls[(index + (event.key === "ArrowRight" ? 1 : controls.length - 1)) % controls.length];
    next.focus();
    event.preventDefault();
  });
  window.addEventListener("resize", layoutSoon);
  PHONE.addEventListener("change", () => {
    // On a phone one panel at a time: keep the last opened.
    if (PHONE.matches) for (const name of openPanels.slice(0, -1)) showPanel(name, false);
  });
  $("[data-leave]").addEventListener("click", () => leave(true));
  $("[data-page-prev]").addEventListener("click", () => {
    page -= 1;
    layoutTiles();
  });
  $("[data-page-next]").addEventListener("click", () => {
    page += 1;
    layoutTiles();
  });
  $("[data-chat-form]").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = event.target.elements.text;
    if (input.value.trim()) send({ type: "chat", text: input.value });
    input.value = "";
  });
  $("[data-mute-all]")?.addEventListener("click", () => send({ type: "mute.all" }));
  $("[data-lock]")?.addEventListener("click", () => send({ type: "room", locked: !roomLocked }));
  $("[data-record]")?.addEventListener("click", () => send({ type: "record", on: !recording }));
  $("[data-breakout-form]")?.addEventListener("submit", (event) => {
    event.preventDefault();
    const count = Number(event.target.elements.count.value);
    const students = [...people.values()].filter((p) => p.role === "student").map((p) => p.user);
    const split = Array.from({ length: count }, () => []);
    students.forEach((user, index) => split[index % count].push(user));
    send({ type: "breakouts", action: "open", groups: split });
  });
  $("[data-breakout-close]")?.addEventListener("click", () =>
    send({ type: "breakouts", action: "close" }),
  );
  $("[data-allow-share]")?.addEventListener("click", () =>
    send({ type: "room", screen_share: !studentsMayShare }),
  );
  $("[data-poll-form]")?.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const correct = form.elements.correct.value;
    send({
      type: "poll.open",
      question: form.elements.question.value,
      choices: form.elements.choices.value.split("\n"),
      correct: correct ? Number(correct) - 1 : null,
    });
    form.reset();
  });
  $("[data-poll-close]")?.addEventListener("click", () => {
    if (poll) send({ type: "poll.close", poll: poll.id });
  });
  window.addEventListener("pagehide", () => {
    leaving = true;
    teardown();
  });
}

Janus.init({
  debug: ["warn", "error"],
  dependencies: Janus.useDefaultDependencies(),
  callback: () => {
    wire();
    connectSocket();
    startPreview();
  },
});
