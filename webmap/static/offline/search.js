/*
 * The referral search in the browser, over the offline package: the server's rules, ported.
 *
 *   WebmapSearch.index(package)            the package made searchable (gazetteer indexes, services)
 *   WebmapSearch.places(index, text, n)    gazetteer matches, as /api/v1/places ranks them
 *   WebmapSearch.run(index, params)        a search from URLSearchParams, as /referral reads them:
 *        {origin, criteria, results, message, hint, fallback}  or  {error: {...}, fallback}
 *
 * Each part follows one server module, with its constants read from the package (`rules`):
 * - origin: webmap/referral/origin.py and params.py (place name or id, coordinates, P-code);
 * - the typed name: webmap/reference/matching.py (folding, usage names, OSA typo tolerance,
 *   starts of names and words, letter triples, population in the score, `choose`);
 * - eligibility, ranking and words: webmap/referral/nearest.py and words.py; distances and
 *   directions on the WGS 84 ellipsoid (Vincenty's inverse formula: PostGIS's geography
 *   distance agrees to well under a metre at these ranges), to the displayed point.
 */
(function () {
  "use strict";

  // --- numbers as Python rounds them (round half to even on the exact binary value) -----------

  function pyRound(x, digits) {
    digits = digits || 0;
    var exact = Math.abs(x).toFixed(30);
    var point = exact.indexOf(".");
    var tail = exact.slice(point + 1 + digits);
    var tie = tail.charAt(0) === "5" && /^5?0*$/.test(tail);
    var factor = Math.pow(10, digits);
    if (!tie) return Number(x.toFixed(digits));
    var kept = Number(Math.abs(x).toFixed(30).slice(0, point + 1 + digits)) * factor;
    kept = Math.round(kept);
    if (kept % 2 === 1) kept += 1;
    return (x < 0 ? -1 : 1) * kept / factor;
  }

  // --- folding (webmap/text.py) --------------------------------------------------------------

  var SEPARATORS = /[\s\-'’_.,/]+/g;
  var COMBINING = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;

  function fold(text) {
    if (!text) return "";
    var bare = String(text).normalize("NFKD").replace(COMBINING, "");
    return bare.toLowerCase().replace(SEPARATORS, " ").trim();
  }

  function compact(text) { return fold(text).replace(/ /g, ""); }

  // --- matching (webmap/reference/matching.py) -----------------------------------------------

  function maxEdits(length) { return length <= 4 ? 1 : length <= 8 ? 2 : 3; }

  function osa(a, b, bound) {
    var n = a.length, m = b.length;
    if (Math.abs(n - m) > bound) return bound + 1;
    var prev2 = null, prev = [], row, i, j;
    for (j = 0; j <= m; j++) prev.push(j);
    for (i = 1; i <= n; i++) {
      row = [i];
      for (j = 1; j <= m; j++) {
        var cost = a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1;
        var value = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) === b.charAt(j - 2) && a.charAt(i - 2) === b.charAt(j - 1)) {
          value = Math.min(value, prev2[j - 2] + 1);
        }
        row.push(value);
      }
      prev2 = prev;
      prev = row;
    }
    return prev[m] <= bound ? prev[m] : bound + 1;
  }

  function deletions(key) {
    var out = {};
    for (var i = 0; i < key.length; i++) out[key.slice(0, i) + key.slice(i + 1)] = true;
    return Object.keys(out);
  }

  function trigrams(key) {
    var padded = "  " + key + " ";
    var out = {};
    for (var i = 0; i < padded.length - 2; i++) out[padded.slice(i, i + 3)] = true;
    return out;
  }

  function push(map, key, value) {
    var list = map.get(key);
    if (!list) { list = []; map.set(key, list); }
    list.push(value);
    return list;
  }

  function Gazetteer(places, aliases, rules) {
    var R = rules;
    this.R = R;
    this.places = places;
    var keys = [];
    var byId = new Map();
    places.forEach(function (place, i) { byId.set(place.id, i); });
    function add(text, place, kind) { if (text) keys.push({ text: text, place: place, kind: kind }); }
    places.forEach(function (place, i) {
      var words = place.name_key.split(" ");
      var name = words.join("");
      add(name, i, "name");
      var offset = words[0].length;
      for (var w = 1; w < words.length; w++) {
        add(name.slice(offset), i, "word");
        offset += words[w].length;
      }
      (place.alternate_key || "").split("|").forEach(function (alternate) {
        var key = alternate.replace(/ /g, "");
        if (key.length >= R.min_alternate_length && key !== name) add(key, i, "alternate");
      });
    });
    aliases.forEach(function (alias) {
      var index = byId.get(alias[1]);
      if (index !== undefined) add(alias[0], index, "alias");
    });
    this.keys = keys;
    this.exact = new Map();
    this.prefixes = new Map();
    this.deletions = new Map();
    this.trigrams = new Map();
    var population = places.map(function (p) { return p.population || 0; });
    var order = keys.map(function (_, k) { return k; });
    order.sort(function (a, b) { return population[keys[b].place] - population[keys[a].place]; });
    var self = this;
    order.forEach(function (k) {
      var key = keys[k];
      var end = key.text.length + (key.kind === "word" ? 1 : 0);
      for (var e = 2; e < end; e++) {
        var start = key.text.slice(0, e);
        var postings = self.prefixes.get(start);
        if (!postings) { postings = []; self.prefixes.set(start, postings); }
        if (postings.length < R.max_prefix_postings) postings.push(k);
      }
      if (key.kind === "word") return;
      push(self.exact, key.text, k);
      deletions(key.text).forEach(function (variant) { push(self.deletions, variant, k); });
      Object.keys(trigrams(key.text)).forEach(function (gram) { push(self.trigrams, gram, k); });
    });
  }

  Gazetteer.prototype.near = function (typed) {
    var found = new Set();
    var self = this;
    function take(list) { if (list) list.forEach(function (k) { found.add(k); }); }
    take(this.exact.get(typed));
    take(this.prefixes.get(typed));
    [typed].concat(deletions(typed)).forEach(function (variant) {
      take(self.exact.get(variant));
      take(self.deletions.get(variant));
    });
    return Array.from(found).sort(function (a, b) { return a - b; });
  };

  Gazetteer.prototype.far = function (typed) {
    if (typed.length < 4) return [];
    var grams = Object.keys(trigrams(typed));
    var shared = new Map();
    var self = this;
    grams.forEach(function (gram) {
      (self.trigrams.get(gram) || []).forEach(function (k) { shared.set(k, (shared.get(k) || 0) + 1); });
    });
    var floor = Math.max(2, Math.ceil(0.4 * grams.length));
    var kept = [];
    shared.forEach(function (n, k) { if (n >= floor) kept.push(k); });
    if (kept.length > this.R.max_trigram_candidates) {
      kept.sort(function (a, b) { return shared.get(b) - shared.get(a); });
      kept = kept.slice(0, this.R.max_trigram_candidates);
    }
    return kept;
  };

  Gazetteer.prototype.quality = function (typed, key) {
    var R = this.R;
    var text = key.text;
    if (key.kind !== "word" && typed === text) {
      if (key.kind === "alternate") return [R.alternate_quality, "alternate"];
      return [1.0, key.kind === "name" ? "exact" : "alias"];
    }
    var quality = 0.0, label = "typo";
    if (key.kind !== "word") {
      var bound = maxEdits(text.length);
      var edits = osa(typed, text, bound);
      if (edits <= bound) {
        quality = 1 - edits / Math.max(text.length, typed.length);
      } else {
        var a = trigrams(typed), b = trigrams(text);
        var inter = 0, union = 0, g;
        for (g in a) { union += 1; if (b[g]) inter += 1; }
        for (g in b) { if (!a[g]) union += 1; }
        var similarity = inter / union;
        if (similarity >= R.loose_similarity) { quality = R.loose_factor * similarity; label = "partial"; }
      }
    }
    if (typed.length >= 2 && (text.length > typed.length || (key.kind === "word" && text === typed))) {
      var start = text.slice(0, typed.length);
      var prefix = 0.0;
      if (start === typed) prefix = R.prefix_base + R.prefix_span * typed.length / text.length;
      else if (typed.length >= 4 && osa(typed, start, 1) <= 1) {
        prefix = R.prefix_base + R.prefix_span * typed.length / text.length - R.prefix_typo;
      }
      if (key.kind === "word") prefix *= R.word_factor;
      if (prefix > quality) { quality = prefix; label = key.kind === "word" ? "word" : "prefix"; }
    }
    if (key.kind === "alternate") quality *= R.alternate_quality;
    return [quality, label];
  };

  Gazetteer.prototype.score = function (typed, candidates, best) {
    var self = this;
    candidates.forEach(function (k) {
      var key = self.keys[k];
      var found = self.quality(typed, key);
      var old = best.get(key.place);
      if (found[0] > 0 && found[0] > (old ? old[0] : 0)) best.set(key.place, found);
    });
  };

  Gazetteer.prototype.search = function (text, limit) {
    var typed = compact(text);
    if (!typed) return [];
    var best = new Map();
    this.score(typed, this.near(typed), best);
    var top = 0;
    best.forEach(function (v) { if (v[0] > top) top = v[0]; });
    if (top < this.R.far_below) this.score(typed, this.far(typed), best);
    var R = this.R, places = this.places, matches = [];
    best.forEach(function (v, index) {
      var place = places[index];
      var score = v[0] + R.population_weight * Math.log10(Math.max(place.population || 0, 100));
      matches.push({ place: place, quality: pyRound(v[0], 3), score: pyRound(score, 3), match: v[1] });
    });
    matches.sort(function (a, b) { return b.score - a.score || a.place.id - b.place.id; });
    return matches.slice(0, limit === undefined ? 10 : limit);
  };

  function choose(matches, R) {
    if (!matches.length || matches[0].quality < R.accept_quality) return null;
    var best = matches[0], rivals;
    if (best.quality >= 1.0) {
      var floor = Math.max(best.place.population || 0, 0) / R.homonym_ratio;
      rivals = matches.slice(1).filter(function (m) { return m.quality >= 1.0 && Math.max(m.place.population || 0, 50) > floor; });
    } else {
      var qualityFloor = Math.max(R.rival_quality, best.quality - R.rival_margin);
      rivals = matches.slice(1).filter(function (m) { return m.quality >= qualityFloor; });
    }
    return rivals.length ? { ambiguous: [best].concat(rivals) } : best;
  }

  // --- the ellipsoid (WGS 84): Vincenty's inverse formula ----------------------------------

  var A = 6378137.0, F = 1 / 298.257223563, B = A * (1 - F);

  function inverse(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var L = (lon2 - lon1) * rad;
    var U1 = Math.atan((1 - F) * Math.tan(lat1 * rad));
    var U2 = Math.atan((1 - F) * Math.tan(lat2 * rad));
    var sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    var lambda = L, lambdaP, iterations = 0;
    var sinLambda, cosLambda, sinSigma, cosSigma, sigma, sinAlpha, cos2Alpha, cos2SigmaM, C;
    do {
      sinLambda = Math.sin(lambda);
      cosLambda = Math.cos(lambda);
      sinSigma = Math.sqrt(Math.pow(cosU2 * sinLambda, 2) + Math.pow(cosU1 * sinU2 - sinU1 * cosU2 * cosLambda, 2));
      if (sinSigma === 0) return { metres: 0, azimuth: null };
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
      sigma = Math.atan2(sinSigma, cosSigma);
      sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
      cos2Alpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cos2Alpha !== 0 ? cosSigma - 2 * sinU1 * sinU2 / cos2Alpha : 0;
      C = F / 16 * cos2Alpha * (4 + F * (4 - 3 * cos2Alpha));
      lambdaP = lambda;
      lambda = L + (1 - C) * F * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    } while (Math.abs(lambda - lambdaP) > 1e-12 && ++iterations < 200);
    var u2 = cos2Alpha * (A * A - B * B) / (B * B);
    var bigA = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
    var bigB = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
    var deltaSigma = bigB * sinSigma * (cos2SigmaM + bigB / 4 * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) -
      bigB / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
    var metres = B * bigA * (sigma - deltaSigma);
    var azimuth = Math.atan2(cosU2 * sinLambda, cosU1 * sinU2 - sinU1 * cosU2 * cosLambda) / rad;
    return { metres: metres, azimuth: (azimuth + 360) % 360 };
  }

  // --- words (webmap/referral/words.py) ------------------------------------------------------

  var COMPASS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"];

  function compassPoint(azimuth) { return Math.floor(((azimuth % 360) + 22.5) / 45) % 8; }

  function formatKm(km, lang) {
    var value = km >= 10 ? pyRound(km, 0) : pyRound(km, 1);
    var french = lang === "fr";
    var whole = Math.floor(value);
    var tenth = Math.round((value - whole) * 10);
    var digits = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, french ? "\u202f" : ",");
    return tenth ? digits + (french ? "," : ".") + tenth : digits;
  }

  function fill(template, values) {
    return String(template).replace(/%\((\w+)\)[sd]/g, function (_, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  function roadEstimate(km, R) {
    var road = km * R.detour_factor;
    var minutes = road / R.average_speed_kmh * 60;
    var step = R.travel_minutes_step;
    return [Math.max(1, Math.ceil(road)), Math.max(step, Math.ceil(minutes / step) * step)];
  }

  // --- the index -------------------------------------------------------------------------------

  function rowsOf(table) {
    var fields = table.fields;
    return table.rows.map(function (row) {
      var item = {};
      for (var i = 0; i < fields.length; i++) item[fields[i]] = row[i];
      return item;
    });
  }

  function index(pkg) {
    var names = pkg.places.names;
    var places = rowsOf(pkg.places).map(function (p) {
      p.sous_prefecture = p.sous_prefecture === null ? null : names[p.sous_prefecture];
      p.departement = p.departement === null ? null : names[p.departement];
      p.region = p.region === null ? null : names[p.region];
      return p;
    });
    var placeById = new Map();
    places.forEach(function (p) { placeById.set(p.id, p); });
    var services = rowsOf(pkg.services).map(function (s) {
      s.locations = s.locations.map(function (l) {
        return { town: l[0], public_contact: l[1], lon: l[2], lat: l[3], masked: Boolean(l[4]) };
      });
      return s;
    });
    var rules = pkg.rules;
    return {
      pkg: pkg,
      rules: rules,
      places: places,
      placeById: placeById,
      services: services,
      areas: pkg.areas || [],
      gazetteer: new Gazetteer(places, pkg.aliases, rules.matching)
    };
  }

  function placeContext(place) {
    var candidates = [place.region, place.departement];
    for (var i = 0; i < candidates.length; i++) if (candidates[i] && candidates[i] !== place.name) return candidates[i];
    return null;
  }

  function placeResult(match) {
    var p = match.place;
    return {
      id: p.id, name: p.name, population: p.population, lat: p.lat, lon: p.lon,
      sous_prefecture: p.sous_prefecture, departement: p.departement, region: p.region,
      adm1_pcode: p.adm1_pcode, context: placeContext(p), match: match.match, quality: match.quality, score: match.score
    };
  }

  function places(idx, text, limit) {
    return idx.gazetteer.search(text, limit).map(placeResult);
  }

  // --- origin (webmap/referral/origin.py, params.py) -----------------------------------------

  function Problem(parameter, kind, extra) {
    this.parameter = parameter;
    this.kind = kind;
    this.extra = extra || {};
  }

  function suggestion(match) {
    var p = match.place;
    return { id: p.id, name: p.name, context: placeContext(p), population: p.population,
             departement: p.departement, region: p.region };
  }

  function placeOrigin(place) {
    var context = [place.departement, place.region].filter(function (n) { return n && n !== place.name; }).join(", ");
    return { kind: "place", lat: place.lat, lon: place.lon, name: place.name, place_id: place.id, context: context || null };
  }

  function inRing(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  function withinReach(idx, lat, lon) {
    var box = idx.rules.reach_box;
    if (!(box[0] <= lon && lon <= box[2] && box[1] <= lat && lat <= box[3])) return false;
    var reach = idx.pkg.reach;
    if (!reach) return true;
    var polygons = reach.type === "Polygon" ? [reach.coordinates] : reach.coordinates;
    return polygons.some(function (rings) {
      if (!inRing(rings[0], lon, lat)) return false;
      for (var h = 1; h < rings.length; h++) if (inRing(rings[h], lon, lat)) return false;
      return true;
    });
  }

  function originFromPlace(idx, value) {
    value = value.trim();
    if (/^[0-9]+$/.test(value)) {
      var place = idx.placeById.get(Number(value));
      if (!place) throw new Problem("place", "unknown_id", { value: value, suggestions: [] });
      return placeOrigin(place);
    }
    var R = idx.rules;
    var matches = idx.gazetteer.search(value, R.suggestions);
    var chosen = choose(matches, R.matching);
    if (chosen && !chosen.ambiguous) return placeOrigin(chosen.place);
    if (chosen) {
      throw new Problem("place", "ambiguous", { value: value, suggestions: chosen.ambiguous.slice(0, R.suggestions).map(suggestion) });
    }
    throw new Problem("place", "unknown", { value: value, suggestions: matches.slice(0, R.suggestions).map(suggestion) });
  }

  var LEVEL_ORDER = ["adm0", "adm1", "adm2", "adm3", "district"];

  function originFromPcode(idx, pcode) {
    var code = pcode.trim().toUpperCase();
    var found = idx.areas.filter(function (a) { return a[0] === code; });
    found.sort(function (a, b) { return LEVEL_ORDER.indexOf(a[2]) - LEVEL_ORDER.indexOf(b[2]); });
    if (!found.length) {
      var key = fold(pcode).replace(/%/g, "");
      var suggestions = key ? idx.areas.filter(function (a) {
        return fold(a[1]).indexOf(key) === 0 || a[0].indexOf(code) === 0;
      }).sort(function (a, b) {
        return LEVEL_ORDER.indexOf(a[2]) - LEVEL_ORDER.indexOf(b[2]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
      }).slice(0, 5).map(function (a) { return { pcode: a[0], name: a[1], level: a[2] }; }) : [];
      throw new Problem("pcode", "unknown", { value: pcode, suggestions: suggestions });
    }
    var area = found[0];
    return { kind: "area", lat: area[4], lon: area[3], name: area[1], pcode: area[0] };
  }

  var COORDS = /^\s*(-?\d+(?:[.,]\d+)?)\s*[,;\s]\s*(-?\d+(?:[.,]\d+)?)\s*$/;
  var INTEGER = /^\s*[+-]?\d+\s*$/;

  function text(params, name, maxLength) {
    var raw = params.get(name);
    if (raw === null) return null;
    raw = raw.trim();
    if (!raw) return null;
    if (maxLength && raw.length > maxLength) throw new Problem(name, "bad");
    return raw;
  }

  function number(params, name, minimum, maximum) {
    var raw = params.get(name);
    if (raw === null || raw === "") return null;
    var value = Number(raw.trim());
    if (!raw.trim() || !isFinite(value) || value < minimum || value > maximum) throw new Problem(name, "bad");
    return value;
  }

  function integer(params, name, fallback, minimum, maximum) {
    var raw = params.get(name);
    if (raw === null || raw === "") return fallback;
    if (!INTEGER.test(raw)) throw new Problem(name, "bad");
    var value = parseInt(raw, 10);
    if (value < minimum || value > maximum) throw new Problem(name, "bad");
    return value;
  }

  function choices(params, name, allowed) {
    var codes = [];
    params.getAll(name).forEach(function (value) {
      value.split(",").forEach(function (code) {
        code = code.trim();
        if (!code) return;
        if (allowed.indexOf(code) < 0) throw new Problem(name, "bad");
        if (codes.indexOf(code) < 0) codes.push(code);
      });
    });
    return codes;
  }

  function criteriaOf(idx, params, limit) {
    var R = idx.rules;
    var messages = idx.pkg.messages.fr;
    var sex = (params.get("sex") || "").trim();
    if (sex === "any") sex = "";
    if (sex && ["female", "male"].indexOf(sex) < 0) throw new Problem("sex", "bad");
    return {
      categories: choices(params, "category", Object.keys(messages.categories)),
      needs: choices(params, "need", Object.keys(messages.needs_labels)),
      age: integer(params, "age", null, 0, R.max_age),
      sex: sex || null,
      limit: limit !== undefined ? limit : integer(params, "limit", R.default_limit, 1, R.max_limit),
      max_km: number(params, "max_km", R.min_km, R.max_km)
    };
  }

  function originOf(idx, params) {
    var place = text(params, "place", 200);
    if (place) return originFromPlace(idx, place);
    var coords = text(params, "coords", 60);
    if (coords) {
      var m = COORDS.exec(coords);
      if (!m) throw new Problem("coords", "bad");
      var clat = Number(m[1].replace(",", ".")), clon = Number(m[2].replace(",", "."));
      if (!(clat >= -90 && clat <= 90 && clon >= -180 && clon <= 180)) throw new Problem("coords", "bad");
      return pointOrigin(idx, clat, clon);
    }
    var pcode = text(params, "pcode", 16);
    if (pcode) return originFromPcode(idx, pcode);
    var lat = number(params, "lat", -90, 90), lon = number(params, "lon", -180, 180);
    if (lat === null && lon === null) return null;
    if (lat === null) throw new Problem("lat", "bad");
    if (lon === null) throw new Problem("lon", "bad");
    return pointOrigin(idx, lat, lon);
  }

  function pointOrigin(idx, lat, lon) {
    if (!withinReach(idx, lat, lon)) throw new Problem("lat", "outside", { lat: lat, lon: lon });
    return { kind: "point", lat: lat, lon: lon };
  }

  // --- eligibility and ranking (webmap/referral/nearest.py) ------------------------------------

  function eligible(service, criteria) {
    if (service.status !== "active") return false;
    if (criteria.categories.length && criteria.categories.indexOf(service.category) < 0) return false;
    for (var i = 0; i < criteria.needs.length; i++) if (service.needs.indexOf(criteria.needs[i]) < 0) return false;
    if (criteria.age !== null) {
      if (service.minimum_age !== null && service.minimum_age > criteria.age) return false;
      if (service.maximum_age !== null && service.maximum_age < criteria.age) return false;
    }
    if (criteria.sex !== null && !(service.sexes === null || service.sexes === "all" || service.sexes === criteria.sex)) {
      return false;
    }
    return true;
  }

  function rank(idx, origin, criteria) {
    var ranked = [];
    idx.services.forEach(function (service) {
      if (!eligible(service, criteria)) return;
      var best = null;
      service.locations.forEach(function (location) {
        var measure = inverse(origin.lat, origin.lon, location.lat, location.lon);
        if (best === null || measure.metres < best.metres) best = { service: service, location: location, metres: measure.metres, azimuth: measure.azimuth };
      });
      if (best) ranked.push(best);
    });
    ranked.sort(function (a, b) {
      return a.metres - b.metres || (a.service.name < b.service.name ? -1 : a.service.name > b.service.name ? 1 : 0) ||
        (a.service.id < b.service.id ? -1 : a.service.id > b.service.id ? 1 : 0);
    });
    if (criteria.max_km !== null) ranked = ranked.filter(function (r) { return r.metres <= criteria.max_km * 1000; });
    return ranked.slice(0, criteria.limit);
  }

  function result(row, position, idx, lang) {
    var M = idx.pkg.messages[lang];
    var km = row.metres / 1000;
    var estimate = roadEstimate(km, idx.rules);
    var s = row.service, l = row.location;
    var direction = km < 1 || row.azimuth === null ? M.near
      : fill(M.directions_8[compassPoint(row.azimuth)], { distance: formatKm(km, lang) });
    return {
      rank: position,
      id: s.id,
      name: s.name,
      category: s.category,
      category_label: M.categories[s.category] || s.category,
      needs: s.needs.slice(),
      distance_km: pyRound(km, 1),
      road_km_estimate: estimate[0],
      travel_minutes_estimate: estimate[1],
      direction: direction,
      compass: km < 1 || row.azimuth === null ? null : COMPASS[compassPoint(row.azimuth)],
      town: l.town,
      lat: pyRound(l.lat, 5),
      lon: pyRound(l.lon, 5),
      phones: s.phones.slice().sort(),
      public_contact: l.public_contact,
      email: s.email,
      assured_date: s.assured_date,
      verification: s.verification,
      masked: l.masked,
      full: s.capacity_available === 0,
      capacity_available: s.capacity_available,
      capacity_available_updated: s.capacity_available_updated,
      minimum_age: s.minimum_age,
      maximum_age: s.maximum_age,
      sexes: s.sexes,
      unknown: ["minimum_age", "maximum_age", "sexes"].filter(function (f) { return s[f] === null; }),
      ask_instead: s.phones.length ? null : s.ask_instead,
      schedules: s.schedules || [],
      languages: s.languages || []
    };
  }

  function oldestServed(idx, criteria) {
    var loose = Object.assign({}, criteria, { age: null, max_km: null });
    var oldest = null, bounded = true, any = false;
    idx.services.forEach(function (s) {
      if (!eligible(s, loose) || !s.locations.length) return;
      any = true;
      if (s.maximum_age === null) bounded = false;
      else if (oldest === null || s.maximum_age > oldest) oldest = s.maximum_age;
    });
    return any && bounded ? oldest : null;
  }

  function emptyHint(idx, origin, criteria, lang) {
    var M = idx.pkg.messages[lang], R = idx.rules;
    if (criteria.age !== null) {
      var oldest = oldestServed(idx, criteria);
      if (oldest !== null && criteria.age > oldest) {
        return [fill(oldest < R.adult_age ? M.minors_only : M.young_only, { age: oldest }),
                { max_km: null, nearest_km: null, oldest_served: oldest, message: null }];
      }
    }
    if (criteria.max_km !== null) {
      var nearest = rank(idx, origin, Object.assign({}, criteria, { max_km: null, limit: 1 }));
      if (nearest.length) {
        var km = nearest[0].metres / 1000;
        var suggested = null;
        for (var i = 0; i < R.widen_steps.length; i++) if (R.widen_steps[i] >= km) { suggested = R.widen_steps[i]; break; }
        return [fill(M.none_within, { max_km: formatKm(criteria.max_km, lang) }),
                { max_km: suggested, nearest_km: pyRound(km, 1), message: fill(M.widen, { km: formatKm(km, lang) }) }];
      }
    }
    return [M.no_match, { max_km: null, nearest_km: null, message: M.fewer }];
  }

  function problemMessage(problem, lang, idx) {
    var M = idx.pkg.messages[lang], R = idx.rules, x = problem.extra;
    if (problem.kind === "ambiguous") return fill(M.several_places, { name: x.value });
    if (problem.parameter === "place" && (problem.kind === "unknown" || problem.kind === "unknown_id")) {
      return fill(x.suggestions && x.suggestions.length ? M.unknown_place : M.unknown_place_none, { name: x.value });
    }
    if (problem.parameter === "pcode") return fill(M.unknown_pcode, { code: x.value });
    if (problem.parameter === "lat" && problem.kind === "outside") {
      return fill(M.outside, { lat: x.lat.toFixed(4), lon: x.lon.toFixed(4), km: String(Math.round(R.country_margin_km)) });
    }
    var byParameter = { coords: M.bad_coords, age: fill(M.bad_age, { max: R.max_age }),
                        max_km: fill(M.bad_max_km, { max: Math.floor(R.max_km) }), place: M.no_origin };
    return byParameter[problem.parameter] || M.check_search;
  }

  /* A search as the page runs it: ``params`` (URLSearchParams) as /referral reads them. */
  function run(idx, params, lang, limit) {
    lang = idx.pkg.messages[lang] ? lang : "fr";
    var fallback = idx.pkg.fallback;
    try {
      var criteria = criteriaOf(idx, params, limit);
      var origin = originOf(idx, params);
      if (origin === null) throw new Problem("place", "missing");
      var rows = rank(idx, origin, criteria);
      var ordered = rows.filter(function (r) { return r.service.capacity_available !== 0; })
        .concat(rows.filter(function (r) { return r.service.capacity_available === 0; }));
      var results = ordered.map(function (row, i) { return result(row, i + 1, idx, lang); });
      var message = null, hint = null;
      if (!results.length) {
        var empty = emptyHint(idx, origin, criteria, lang);
        message = empty[0];
        hint = empty[1];
      }
      return { origin: origin, criteria: criteria, results: results, message: message, hint: hint, fallback: fallback,
               rules: idx.rules };
    } catch (problem) {
      if (!(problem instanceof Problem)) throw problem;
      return {
        error: {
          message: problemMessage(problem, lang, idx),
          parameter: problem.parameter,
          suggestions: problem.extra.suggestions || [],
          map_hint: problem.parameter === "place" && problem.kind === "missing",
          question: problem.kind === "ambiguous"
        },
        fallback: fallback
      };
    }
  }

  /* The canonical query of a search (routes._query_string): what the shareable URL carries. */
  function canonicalQuery(found, R) {
    var pairs = new URLSearchParams();
    var o = found.origin, c = found.criteria;
    if (o.place_id !== undefined && o.place_id !== null) pairs.append("place", String(o.place_id));
    else if (o.pcode) pairs.append("pcode", o.pcode);
    else { pairs.append("lat", o.lat.toFixed(5)); pairs.append("lon", o.lon.toFixed(5)); }
    c.needs.forEach(function (n) { pairs.append("need", n); });
    c.categories.forEach(function (n) { pairs.append("category", n); });
    if (c.age !== null) pairs.append("age", String(c.age));
    if (c.sex) pairs.append("sex", c.sex);
    if (c.max_km !== null) pairs.append("max_km", String(c.max_km));
    if (c.limit !== R.default_limit) pairs.append("limit", String(c.limit));
    return pairs.toString();
  }

  window.WebmapSearch = {
    index: index, places: places, run: run, canonicalQuery: canonicalQuery,
    fill: fill, formatKm: formatKm, fold: fold, pyRound: pyRound, inverse: inverse
  };
})();
