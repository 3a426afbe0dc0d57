/*
 * The offline search's answer as the server's templates draw it: templates/referral/_results.html
 * (with _fallback.html) and templates/referral/sheet.html, built as DOM nodes (text through
 * textContent only), the phrases from the package in the page's language.
 *
 *   WebmapRender.results(answer, context)  the #rf-results-inner element
 *   WebmapRender.fallback(list, M)         the "If nobody answers" section (or null)
 *   WebmapRender.sheet(answer, context)    the printable sheet's article
 *   context: {M (phrases), lang, query, pageUrl, sheetUrl, colors, banner (text or null)}
 */
(function () {
  "use strict";

  var fill = function (t, v) { return window.WebmapSearch.fill(t, v); };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else if (name === "style") node.style.cssText = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  /* Jinja's urlencode filter (Python's quote, "/" kept): encodeURIComponent leaves !'()* as they are. */
  function urlencode(value) {
    return encodeURIComponent(value).replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    }).replace(/%2F/g, "/");
  }

  function tel(number) {
    var cleaned = String(number).replace(/[^\d+]/g, "");
    return cleaned.slice(0, 1) + cleaned.slice(1).replace(/\+/g, "");
  }

  function date(value, lang) {
    if (!value) return "";
    var parts = String(value).slice(0, 10).split("-").map(Number);
    var day = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
    return new Intl.DateTimeFormat(lang === "en" ? "en-US" : "fr-FR", { dateStyle: "long", timeZone: "UTC" }).format(day);
  }

  function duration(minutes, M) {
    if (minutes < 60) return fill(M.minutes, { minutes: minutes });
    var quarters = Math.round(minutes / 15);
    var total = quarters * 15, hours = Math.floor(total / 60), rest = total % 60;
    if (rest === 0) return fill(M.hours, { hours: hours });
    return fill(M.hours_minutes, { hours: hours, minutes: (rest < 10 ? "0" : "") + rest });
  }

  function ages(r, M) {
    var low = r.minimum_age, high = r.maximum_age;
    if (low !== null && high !== null) return fill(M.ages_range, { min: low, max: high });
    if (high !== null) return fill(M.ages_max, { max: high });
    if (low !== null) return fill(M.ages_min, { min: low });
    return M.not_recorded;
  }

  function plural(forms, n, lang) {
    var one = lang === "fr" ? n <= 1 : n === 1;
    return fill(one ? forms[0] : forms[1], { num: n });
  }

  function labels(codes, vocabulary) {
    return codes.map(function (c) { return vocabulary[c] || c; }).join(", ");
  }

  function decimal(value, lang) {
    return String(value).replace(".", lang === "fr" ? "," : ".");
  }

  function originText(origin) {
    if (origin.name) return origin.name + (origin.context ? " (" + origin.context + ")" : "");
    return origin.lat.toFixed(4) + ", " + origin.lon.toFixed(4);
  }

  function tels(numbers) {
    var out = [];
    numbers.forEach(function (phone) { out.push(" "); out.push(el("a", { className: "rf-tel", href: "tel:" + tel(phone), text: phone })); });
    return out;
  }

  function fallback(list, M) {
    if (!list || !list.length) return null;
    return el("section", { className: "rf-fallback", "aria-labelledby": "rf-fallback-title", "data-role": "fallback" }, [
      el("h2", { id: "rf-fallback-title", className: "rf-fallback-title", text: M.if_nobody }),
      el("ul", { className: "rf-fallback-list" }, list.map(function (c) {
        return el("li", { "data-id": c.id, "data-category": c.category }, [el("strong", { text: c.name })]
          .concat(tels(c.phones))
          .concat(c.email ? [" ", el("a", { className: "rf-mail", href: "mailto:" + c.email, text: c.email })] : [])
          .concat(c.address ? [" ", el("span", { className: "rf-muted", text: c.address + (c.town ? ", " + c.town : "") })] : []));
      })),
      el("p", { className: "rf-muted rf-fallback-note", text: M.fallback_note })
    ]);
  }

  function askLabel(kind, M) { return M["ask_" + kind] || ""; }

  // ---- opening hours, as webmap/directory/hours.py says them (Africa/Abidjan time is UTC) ----

  var DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
  var WEEK = 7 * 86400;

  function openings(schedules) {
    return schedules.map(function (row) {
      var days = row[0].split(",").map(function (c) { return DAY_CODES.indexOf(c); })
        .filter(function (d) { return d >= 0; }).sort(function (a, b) { return a - b; });
      var opens = seconds(row[1]), closes = seconds(row[2]);
      var span = closes - opens;
      return { days: days, opens: row[1], closes: row[2], allDay: opens === closes,
               start: opens, length: span > 0 ? span : span + 86400 };
    });
  }

  function seconds(hhmm) { var p = hhmm.split(":"); return Number(p[0]) * 3600 + Number(p[1]) * 60; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hhmm(text, closing) { return closing && text === "00:00" ? "24:00" : text; }

  function alwaysOpen(list) {
    var full = {};
    list.forEach(function (o) { if (o.allDay) o.days.forEach(function (d) { full[d] = true; }); });
    return Object.keys(full).length === 7;
  }

  function runs(days) {
    var out = [];
    days.forEach(function (d) {
      if (out.length && d === out[out.length - 1][1] + 1) out[out.length - 1][1] = d;
      else out.push([d, d]);
    });
    return out;
  }

  function grouped(list) {
    var sorted = list.slice().sort(function (a, b) {
      return (a.days[0] - b.days[0]) || (a.days.join() < b.days.join() ? -1 : a.days.join() > b.days.join() ? 1 : 0)
        || (a.opens < b.opens ? -1 : a.opens > b.opens ? 1 : 0);
    });
    var keys = [], groups = {};
    sorted.forEach(function (o) {
      var key = o.days.join();
      if (!groups[key]) { groups[key] = []; keys.push(key); }
      groups[key].push(o);
    });
    return keys.map(function (key) { return groups[key]; });
  }

  function hoursWords(list, M) {
    if (!list.length) return "";
    var names = M.day_names;
    if (alwaysOpen(list) && list.every(function (o) { return o.allDay; })) return M.hours_always_words;
    return grouped(list).map(function (group) {
      var parts = [];
      runs(group[0].days).forEach(function (run) {
        if (run[1] - run[0] >= 2) parts.push(fill(M.hours_range, { first: names[run[0]], last: names[run[1]] }));
        else for (var d = run[0]; d <= run[1]; d++) parts.push(names[d]);
      });
      var times = group.map(function (o) {
        return o.allDay ? M.hours_all_day : hhmm(o.opens) + "–" + hhmm(o.closes, true);
      }).join(", ");
      return fill(M.hours_entry, { days: parts.join(", "), times: times });
    }).join(M.hours_join);
  }

  function hoursStatus(list, M, now) {
    if (!list.length) return null;
    if (alwaysOpen(list)) return { code: "always", label: M.hours_always };
    var at = new Date(Math.floor(now.getTime() / 1000) * 1000);
    var weekday = (at.getUTCDay() + 6) % 7;
    var second = weekday * 86400 + at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds();
    var intervals = [];
    list.forEach(function (o) { o.days.forEach(function (d) { intervals.push([d * 86400 + o.start, o.length]); }); });
    function inside(s) {
      for (var i = 0; i < intervals.length; i++) {
        if ((((s - intervals[i][0]) % WEEK) + WEEK) % WEEK < intervals[i][1]) return intervals[i];
      }
      return null;
    }
    function mod(a) { return ((a % WEEK) + WEEK) % WEEK; }
    var current = inside(second);
    if (current) {
      var end = second + current[1] - mod(second - current[0]);
      for (var step = 0; step <= intervals.length; step++) {
        var following = inside(mod(end));
        if (!following) break;
        end += following[1] - mod(end - following[0]);
        if (step === intervals.length) return { code: "always", label: M.hours_always };
      }
      var closes = new Date(at.getTime() + (end - second) * 1000);
      var time = pad(closes.getUTCHours()) + ":" + pad(closes.getUTCMinutes());
      var sameDay = closes.toISOString().slice(0, 10) === at.toISOString().slice(0, 10);
      return { code: "open", label: sameDay ? fill(M.hours_closes_today, { time: time })
        : fill(M.hours_closes_on, { day: M.day_names[(closes.getUTCDay() + 6) % 7], time: time }) };
    }
    var wait = Math.min.apply(null, intervals.map(function (iv) { return mod(iv[0] - second); }));
    var opens = new Date(at.getTime() + wait * 1000);
    return { code: "closed", label: fill(M.hours_opens, {
      day: M.day_names[(opens.getUTCDay() + 6) % 7], time: pad(opens.getUTCHours()) + ":" + pad(opens.getUTCMinutes()) }) };
  }

  function hoursLines(r, M) {
    var list = openings(r.schedules || []);
    var state = hoursStatus(list, M, new Date());
    var line = state
      ? el("p", { className: "rf-hours", "data-role": "hours", "data-status": state.code }, [
          el("strong", { className: "rf-hours-" + state.code, text: state.label }),
          state.code !== "always" ? " · " + hoursWords(list, M) : null])
      : el("p", { className: "rf-hours", "data-role": "hours", "data-status": "unknown" }, [
          el("span", { className: "rf-muted", text: M.hours_not_recorded })]);
    var langs = (r.languages || []).length
      ? el("p", { className: "rf-languages", "data-role": "languages", text: M.languages_colon + " " + r.languages.join(", ") })
      : null;
    return [line, langs];
  }

  function item(r, ctx) {
    var M = ctx.M, lang = ctx.lang;
    var capacity = null;
    var asOf = r.capacity_available_updated ? " (" + fill(M.as_of, { date: date(r.capacity_available_updated, lang) }) + ")" : "";
    if (r.full) capacity = el("p", { className: "rf-badge rf-badge-full", text: M.known_full + asOf + " — " + M.call_before });
    else if (r.capacity_available) capacity = el("p", { className: "rf-badge rf-badge-open", text: plural(M.places_available, r.capacity_available, lang) + asOf });
    var contacts = [];
    r.phones.forEach(function (phone) { contacts.push(el("li", {}, [el("a", { className: "rf-tel", href: "tel:" + tel(phone), text: phone })])); });
    if (!r.phones.length) {
      contacts.push(el("li", { className: "rf-muted", text: M.no_phone }));
      if (r.ask_instead) {
        var ask = r.ask_instead;
        contacts.push(el("li", { className: "rf-ask", "data-role": "ask-instead", "data-kind": ask.kind },
          [askLabel(ask.kind, M) + " ", el("strong", { text: ask.name })].concat(tels(ask.phones))
            .concat(ask.email ? [" ", el("a", { href: "mailto:" + ask.email, text: ask.email })] : [])));
      }
    }
    if (r.public_contact) contacts.push(el("li", { text: M.public_contact + " " + r.public_contact }));
    if (r.email) contacts.push(el("li", {}, [el("a", { href: "mailto:" + r.email, text: r.email })]));
    var call = r.phones.length ? r.phones[0] : (r.ask_instead && r.ask_instead.phones.length ? r.ask_instead.phones[0] : null);
    var muted = function (t) { return el("span", { className: "rf-muted", text: t }); };
    return el("li", { className: "rf-item" + (r.full ? " rf-full" : ""), "data-id": r.id, "data-rank": r.rank, "data-category": r.category }, [
      el("span", { className: "rf-rank", style: "background: " + (ctx.colors[r.category] || "#444"), "aria-hidden": "true", text: String(r.rank) }),
      el("div", { className: "rf-body" }, [
        el("h3", { className: "rf-name", text: r.name }),
        el("p", { className: "rf-cat", text: r.category_label + (r.town ? " · " + r.town : "") }),
        el("p", { className: "rf-distance" }, [el("strong", { text: r.direction }), " ",
          el("span", { className: "rf-estimate", text: "· " + fill(M.by_road, { km: r.road_km_estimate, time: duration(r.travel_minutes_estimate, M) }) })]),
        capacity,
        hoursLines(r, M)[0],
        hoursLines(r, M)[1],
        el("ul", { className: "rf-contacts" }, contacts),
        el("p", { className: "rf-item-actions" }, [
          call ? el("a", { className: "rf-button rf-call", "data-role": "call", href: "tel:" + tel(call),
                           text: r.phones.length ? M.call : fill(M.call_number, { number: call }) }) : null,
          el("a", { className: "rf-button rf-button-light rf-route", "data-role": "route",
                    href: "geo:" + r.lat + "," + r.lon + "?q=" + r.lat + "," + r.lon + "(" + urlencode(r.name) + ")", text: M.directions })
        ]),
        el("details", { className: "rf-more" }, [
          el("summary", { text: M.details }),
          el("dl", {}, [
            el("dt", { text: M.needs_covered }),
            el("dd", {}, [r.needs.length ? labels(r.needs, M.needs_labels) : muted(M.not_recorded)]),
            el("dt", { text: M.ages }), el("dd", { text: ages(r, M) }),
            el("dt", { text: M.children_received }),
            el("dd", {}, [r.sexes ? M.sexes_labels[r.sexes] : muted(M.not_recorded)]),
            el("dt", { text: M.last_verified }),
            el("dd", {}, [r.assured_date ? date(r.assured_date, lang) : muted(M.never_verified)])
          ])
        ]),
        el("p", { className: "rf-muted rf-suggest" }, [
          el("a", { href: "/suggest?service=" + encodeURIComponent(r.id), "data-role": "report-error", text: M.report_error })]),
        r.masked ? el("p", { className: "rf-masked", text: M.masked }) : null
      ])
    ]);
  }

  function banner(ctx) {
    if (!ctx.banner) return null;
    return el("div", { className: "rf-offline-banner", role: "status", "data-role": "offline-banner" }, [
      el("strong", { text: ctx.banner }), " ", el("span", { text: ctx.M.banner_note })
    ]);
  }

  function errorBlock(error, ctx) {
    var M = ctx.M;
    var box = el("div", { className: "rf-alert", role: "alert", "data-parameter": error.parameter || "" });
    if (error.question) {
      var q = el("p", { className: "rf-question" }, [M.did_you_mean]);
      error.suggestions.forEach(function (s, i) {
        if (i > 0) q.appendChild(document.createTextNode(i === error.suggestions.length - 1 ? " " + M.or : ","));
        q.appendChild(document.createTextNode(" "));
        q.appendChild(el("a", { className: "rf-choice", href: s.url, "data-place-id": s.id, text: s.name }));
        if (s.context) q.appendChild(document.createTextNode(" (" + s.context + ")"));
      });
      q.appendChild(document.createTextNode(M.question_mark));
      box.appendChild(q);
      box.appendChild(el("p", { className: "rf-muted", text: error.message }));
      return box;
    }
    var p = el("p", {}, [error.message]);
    if (error.map_hint) { p.appendChild(document.createTextNode(" ")); p.appendChild(el("span", { className: "rf-map-only", "data-role": "map-hint", hidden: true, text: M.map_hint })); }
    box.appendChild(p);
    if (error.suggestions.length) {
      box.appendChild(el("ul", { className: "rf-suggestions" }, error.suggestions.map(function (s) {
        if (s.id !== undefined) {
          var where = [s.departement, s.region].filter(function (v, i, all) { return v && all.indexOf(v) === i; }).join(", ");
          return el("li", {}, [el("a", { href: s.url, "data-place-id": s.id, text: s.name }), " ", el("span", { className: "rf-muted", text: where })]);
        }
        return el("li", {}, [el("a", { href: s.url, text: s.name }), " ", el("span", { className: "rf-muted", text: s.pcode })]);
      })));
    }
    return box;
  }

  function replaceParam(query, name, value) {
    var params = new URLSearchParams(query);
    params.delete(name);
    params.append(name, String(value));
    return params.toString();
  }

  function results(answer, ctx) {
    var M = ctx.M, lang = ctx.lang;
    var found = answer.error ? null : answer;
    var status = answer.error ? "error" : (found.results.length ? "results" : "empty");
    var root = el("div", { className: "rf-results", id: "rf-results-inner", "data-query": ctx.query, "data-status": status, "data-offline": "1" });
    var b = banner(ctx);
    if (b) root.appendChild(b);
    if (answer.error) {
      root.appendChild(errorBlock(answer.error, ctx));
    } else {
      var c = found.criteria;
      var line = el("p", { className: "rf-origin-line" }, [M.from + " ", el("strong", { text: originText(found.origin) })]);
      if (c.needs.length) line.appendChild(document.createTextNode(" · " + M.needs_colon + " " + labels(c.needs, M.needs_labels)));
      if (c.max_km !== null) line.appendChild(document.createTextNode(" · " + fill(M.within_km, { km: window.WebmapSearch.formatKm(c.max_km, lang) })));
      var summary = el("div", { className: "rf-summary" }, [
        el("h2", { className: "rf-heading", text: found.results.length ? plural(M.nearest_heading, found.results.length, lang) : M.none_found }),
        line
      ]);
      var shareUrl = new URL(ctx.pageUrl + (ctx.query ? "?" + ctx.query : ""), window.location.href).href;
      if (found.results.length) {
        summary.appendChild(el("p", { className: "rf-actions" }, [
          el("a", { className: "rf-button rf-button-light", href: ctx.sheetUrl + (ctx.query ? "?" + ctx.query : ""), target: "_blank", rel: "noopener", "data-role": "sheet", text: M.sheet }),
          " ",
          el("button", { type: "button", className: "rf-button rf-button-light", "data-role": "share", "data-url": shareUrl, hidden: true, text: M.copy_link }),
          " ",
          el("a", { className: "rf-share-link", href: shareUrl, "data-role": "share-link", text: M.share_link })
        ]));
      }
      root.appendChild(summary);
      if (found.results.length) {
        root.appendChild(el("ol", { className: "rf-list" }, found.results.map(function (r) { return item(r, ctx); })));
        root.appendChild(el("p", { className: "rf-muted rf-suggest" }, [M.structure_missing + " ",
          el("a", { href: "/suggest", "data-role": "propose-structure", text: M.propose_structure })]));
        root.appendChild(el("p", { className: "rf-method rf-muted", text: fill(M.method, { detour: decimal(found.rules.detour_factor, lang), speed: Math.floor(found.rules.average_speed_kmh) }) }));
      } else {
        var empty = el("div", { className: "rf-empty", role: "status" }, [el("p", { text: found.message })]);
        if (found.hint && found.hint.message) empty.appendChild(el("p", { text: found.hint.message }));
        if (found.hint && found.hint.max_km) {
          empty.appendChild(el("p", {}, [el("a", { className: "rf-button", "data-role": "widen",
            href: ctx.pageUrl + "?" + replaceParam(ctx.query, "max_km", found.hint.max_km), text: fill(M.search_within, { km: found.hint.max_km }) })]));
        }
        root.appendChild(empty);
      }
    }
    var fb = fallback(answer.fallback, M);
    if (fb) root.appendChild(fb);
    if (found) {
      var data = {
        origin: { lat: found.origin.lat, lon: found.origin.lon, name: found.origin.name || null },
        results: found.results.map(function (r) {
          return { rank: r.rank, name: r.name, lat: r.lat, lon: r.lon, color: ctx.colors[r.category] || "#444", full: r.full, masked: r.masked };
        })
      };
      root.appendChild(el("script", { type: "application/json", id: "rf-map-data", text: JSON.stringify(data) }));
    }
    return root;
  }

  // --- the sheet's small map (webmap/referral/sheet.py, drawn here from the stored boundaries) ---

  var SVG_NS = "http://www.w3.org/2000/svg";
  var WIDTH = 480, HEIGHT = 300, MIN_SPAN_DEG = 0.4;

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (name) { node.setAttribute(name, String(attrs[name])); });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function extent(points) {
    var lons = points.map(function (p) { return p[0]; }), lats = points.map(function (p) { return p[1]; });
    var cx = (Math.min.apply(null, lons) + Math.max.apply(null, lons)) / 2;
    var cy = (Math.min.apply(null, lats) + Math.max.apply(null, lats)) / 2;
    var sx = Math.max(Math.max.apply(null, lons) - Math.min.apply(null, lons), MIN_SPAN_DEG) * 1.25;
    var sy = Math.max(Math.max.apply(null, lats) - Math.min.apply(null, lats), MIN_SPAN_DEG) * 1.25;
    var aspect = WIDTH / HEIGHT;
    if (sx / sy < aspect) sx = sy * aspect; else sy = sx / aspect;
    return [cx - sx / 2, cy - sy / 2, cx + sx / 2, cy + sy / 2];
  }

  function pathData(geometry) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons.map(function (rings) {
      return rings.map(function (ring) {
        return "M " + ring.map(function (p) { return p[0].toFixed(4) + " " + (-p[1]).toFixed(4); }).join(" L ") + " Z";
      }).join(" ");
    }).join(" ");
  }

  function smallMap(answer, pkg) {
    var origin = answer.origin, results = answer.results;
    var box = extent([[origin.lon, origin.lat]].concat(results.map(function (r) { return [r.lon, r.lat]; })));
    var span = box[2] - box[0], unit = span / WIDTH;
    var root = svg("svg", { class: "rf-sheet-map", role: "img", viewBox: box[0].toFixed(5) + " " + (-box[3]).toFixed(5) + " " +
      span.toFixed(5) + " " + (box[3] - box[1]).toFixed(5), width: WIDTH, height: HEIGHT, preserveAspectRatio: "xMidYMid meet" });
    root.appendChild(svg("rect", { x: box[0], y: -box[3], width: span, height: box[3] - box[1], fill: "#ffffff" }));
    [["regions", true], ["country", false]].forEach(function (layer) {
      var style = pkg.line_styles[layer[0]];
      pkg.boundaries[layer[0]].features.forEach(function (feature) {
        root.appendChild(svg("path", { d: pathData(feature.geometry), fill: layer[1] && style.fill ? style.fill : "none",
          stroke: style.color, "stroke-width": style.weight * unit, "stroke-linejoin": "round" }));
      });
    });
    results.forEach(function (r) {
      root.appendChild(svg("line", { x1: origin.lon, y1: -origin.lat, x2: r.lon, y2: -r.lat, stroke: "#17324d",
        "stroke-width": 1.5 * unit, "stroke-dasharray": (4 * unit) + " " + (3 * unit) }));
    });
    var side = 24 * unit;
    root.appendChild(svg("rect", { x: origin.lon - side / 2, y: -origin.lat - side / 2, width: side, height: side,
      fill: "#ffffff", stroke: "#111111", "stroke-width": 3 * unit }));
    results.slice().sort(function (a, b) { return b.rank - a.rank; }).forEach(function (r) {
      root.appendChild(svg("g", {}, [
        svg("title", {}, [r.name]),
        svg("circle", { cx: r.lon, cy: -r.lat, r: 9 * unit, fill: pkg.colors[r.category] || "#444444", stroke: "#ffffff",
          "stroke-width": 1.5 * unit }),
        svg("text", { x: r.lon, y: -r.lat, dy: 4 * unit, "text-anchor": "middle", "font-size": 11 * unit, "font-weight": 700,
          fill: pkg.icon_colors[r.category] || "#ffffff", "font-family": "sans-serif" }, [String(r.rank)])
      ]));
    });
    var kmPerDeg = 111.32 * Math.cos((box[1] + box[3]) / 2 * Math.PI / 180);
    var target = 100 * unit * kmPerDeg;
    var nice = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500].filter(function (n) { return n >= target * 0.6; })[0] || 500;
    var x0 = box[0] + 12 * unit, y0 = -box[1] - 12 * unit;
    root.appendChild(svg("g", {}, [
      svg("line", { x1: x0, y1: y0, x2: x0 + nice / kmPerDeg, y2: y0, stroke: "#111111", "stroke-width": 3 * unit }),
      svg("text", { x: x0, y: y0 - 5 * unit, "font-size": 10 * unit, fill: "#111111", "font-family": "sans-serif" }, [nice + " km"])
    ]));
    return root;
  }

  function sheet(answer, ctx) {
    var M = ctx.M, lang = ctx.lang;
    var article = el("article", { className: "rf-sheet", "data-offline": "1" }, [
      el("p", { className: "rf-sheet-tools" }, [
        el("button", { type: "button", className: "rf-sheet-print", text: M.print }), " ",
        el("a", { href: ctx.pageUrl + (ctx.query ? "?" + ctx.query : ""), text: M.back })
      ]),
      el("header", { className: "rf-sheet-head" }, [
        el("h1", { text: M.sheet_title }),
        el("p", { className: "rf-sheet-date", text: fill(M.printed_on, { date: date(new Date().toISOString(), lang) }) })
      ])
    ]);
    var b = banner(ctx);
    if (b) article.appendChild(b);
    if (answer.error) {
      article.appendChild(el("p", { className: "rf-sheet-error", role: "alert", text: answer.error.message }));
      var fbe = fallback(answer.fallback, M);
      if (fbe) article.appendChild(fbe);
      return article;
    }
    var c = answer.criteria;
    var dl = el("dl", {}, [
      el("dt", { text: M.departure }), el("dd", { text: originText(answer.origin) }),
      el("dt", { text: M.needs }), el("dd", { text: c.needs.length ? labels(c.needs, M.needs_labels) : M.not_specified })
    ]);
    if (c.categories.length) { dl.appendChild(el("dt", { text: M.type_of_structure })); dl.appendChild(el("dd", { text: labels(c.categories, M.categories) })); }
    article.appendChild(el("section", { className: "rf-sheet-criteria" }, [dl, el("p", { className: "rf-sheet-note", text: M.sheet_note })]));
    if (answer.results.length) {
      var grid = el("div", { className: "rf-sheet-grid" });
      article.appendChild(grid);
      grid.appendChild(el("ol", { className: "rf-sheet-list" }, answer.results.map(function (r) {
        var asOf = r.capacity_available_updated ? " (" + fill(M.as_of, { date: date(r.capacity_available_updated, lang) }) + ")" : "";
        var ask = r.ask_instead;
        return el("li", {}, [
          el("span", { className: "rf-sheet-rank", style: "background: " + (ctx.colors[r.category] || "#444"), text: String(r.rank) }),
          el("div", {}, [
            el("h2", { text: r.name }),
            el("p", { text: r.category_label + (r.town ? " · " + r.town : "") }),
            el("p", {}, [el("strong", { text: r.direction }), " · " + fill(M.by_road, { km: r.road_km_estimate, time: duration(r.travel_minutes_estimate, M) })]),
            r.full ? el("p", { className: "rf-sheet-full", text: M.known_full + asOf + " — " + M.call_before }) : null,
            el("p", {}, [M.phone_colon + " ", r.phones.length ? el("strong", { text: r.phones.join(", ") }) : M.phone_not_recorded]),
            ask ? el("p", { className: "rf-sheet-ask", "data-kind": ask.kind }, [askLabel(ask.kind, M) + " " + ask.name]
              .concat(ask.phones.length ? [" — ", el("strong", { text: ask.phones.join(", ") })] : [])
              .concat(ask.email ? [" — " + ask.email] : [])) : null,
            r.public_contact ? el("p", { text: M.public_contact + " " + r.public_contact }) : null,
            el("p", { className: "rf-sheet-small", text: (r.assured_date ? fill(M.last_verified_on, { date: date(r.assured_date, lang) }) : M.last_verified_never) +
              (r.masked ? " · " + M.confidential_town : "") })
          ])
        ]);
      })));
      if (ctx.pkg) {
        var figure = el("figure", { className: "rf-sheet-map-box" }, [el("figcaption", { text: M.map_caption })]);
        figure.insertBefore(smallMap(answer, ctx.pkg), figure.firstChild);
        grid.appendChild(figure);
      }
    } else {
      article.appendChild(el("p", { className: "rf-sheet-error", text: answer.message + " " + (answer.hint && answer.hint.message ? answer.hint.message : "") }));
    }
    var fb = fallback(answer.fallback, M);
    if (fb) article.appendChild(fb);
    article.appendChild(el("footer", { className: "rf-sheet-foot" }, [
      el("p", { text: fill(M.sheet_method, { detour: decimal(answer.rules.detour_factor, lang), speed: Math.floor(answer.rules.average_speed_kmh) }) }),
      el("p", { text: M.sheet_source })
    ]));
    return article;
  }

  window.WebmapRender = { results: results, sheet: sheet, fallback: fallback, date: date, el: el };
})();
