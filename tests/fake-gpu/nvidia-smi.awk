# The formatter of the stand-in nvidia-smi (README.md beside this file). POSIX awk.
# Env: FG_MODE (gpu, apps or list), FG_QUERY (the fields asked for), FG_IDS (-i),
# FG_HEADER, FG_UNITS (1 or 0), FG_GPUS and FG_APPS (the state's CSV files), FG_GPU_FIELDS
# and FG_APP_FIELDS (the field lists: "ALIAS CANONICAL [UNIT]" lines).
# Stdin: the live processes, "PID MIB DEVICES ARGV0" lines (none outside live mode).
# Tables are kept as val[T, ROW, COLUMN], with col[T, NAME], unit[T, NAME] and nrow[T],
# T being "g" (GPUs) or "a" (compute apps).

# split_cells LINE ARR: the cells of a CSV line (", " separated) into ARR[1..n]; returns n.
function split_cells(line, arr, n, at) {
  n = 0
  while ((at = index(line, ", ")) > 0) {
    arr[++n] = substr(line, 1, at - 1)
    line = substr(line, at + 2)
  }
  arr[++n] = line
  return n
}

# load T FILE FREE: reads a recorded CSV file. Surplus cells of a longer row (a value that
# holds ", ") are joined back into the column FREE.
function load(t, file, free, line, n, c, i, cell, name, p, r, fc, extra, v, w) {
  nrow[t] = 0
  if ((getline line < file) <= 0) {
    return
  }
  n = split_cells(line, cell)
  for (i = 1; i <= n; i++) {
    name = cell[i]
    p = index(name, " [")
    if (p > 0 && substr(name, length(name)) == "]") {
      unit[t, substr(name, 1, p - 1)] = substr(name, p + 2, length(name) - p - 2)
      name = substr(name, 1, p - 1)
    } else {
      unit[t, name] = ""
    }
    col[t, name] = i
  }
  fc = ((t, free) in col) ? col[t, free] : n
  r = 0
  while ((getline line < file) > 0) {
    if (line == "") {
      continue
    }
    c = split_cells(line, v)
    extra = c - n
    for (i = 1; i <= n; i++) {
      if (extra > 0 && i == fc) {
        w = v[i]
        for (p = 1; p <= extra; p++) {
          w = w ", " v[i + p]
        }
        val[t, r + 1, i] = w
      } else if (extra > 0 && i > fc) {
        val[t, r + 1, i] = v[i + extra]
      } else {
        val[t, r + 1, i] = (i <= c) ? v[i] : "[N/A]"
      }
    }
    r++
  }
  close(file)
  nrow[t] = r
}

# load_fields T FILE: the field names nvidia-smi knows, with their aliases and units.
function load_fields(t, file, line, n, w) {
  while ((getline line < file) > 0) {
    n = split(line, w, " ")
    if (n >= 2) {
      canon[t, w[1]] = w[2]
      known_unit[t, w[2]] = (n >= 3) ? w[3] : ""
    }
  }
  close(file)
}

# resolve T NAME: the canonical name of a field asked for, or "" for an unknown one.
function resolve(t, name) {
  if ((t, name) in canon) {
    return canon[t, name]
  }
  if ((t, name) in col) {
    return name
  }
  return ""
}

function unit_of(t, name) {
  if ((t, name) in col) {
    return unit[t, name]
  }
  return ((t, name) in known_unit) ? known_unit[t, name] : ""
}

function cell(t, r, name) {
  return ((t, name) in col) ? val[t, r, col[t, name]] : "[N/A]"
}

# with_number V N: V with its leading whole number replaced by N (its unit kept); V itself
# when it does not start with a number ("[N/A]").
function with_number(v, n) {
  if (!match(v, /^[0-9]+/)) {
    return v
  }
  if (n < 0) {
    n = 0
  }
  return n substr(v, RLENGTH + 1)
}

# gpu R NAME: GPU R's value, with the memory and load of its live processes.
function gpu(r, name, v) {
  v = cell("g", r, name)
  if (r in busy) {
    if (name == "memory.used") {
      v = with_number(v, v + busy[r])
    } else if (name == "memory.free") {
      v = with_number(v, v - busy[r])
    } else if (name == "utilization.gpu") {
      v = with_number(v, 100)
    }
  }
  return v
}

# live_app K NAME: a field of live compute process K.
function live_app(k, name, r, u) {
  r = live_gpu[k]
  if (name == "pid") {
    return live_pid[k]
  }
  if (name == "process_name") {
    return live_name[k]
  }
  if (name == "used_gpu_memory") {
    u = unit_of("a", name)
    return live_mib[k] (u == "" ? "" : " " u)
  }
  if (name == "timestamp") {
    return gpu(r, "timestamp")
  }
  if (name == "gpu_name") {
    return gpu(r, "name")
  }
  if (name == "gpu_bus_id") {
    return gpu(r, "pci.bus_id")
  }
  if (name == "gpu_serial") {
    return gpu(r, "serial")
  }
  if (name == "gpu_uuid") {
    return gpu(r, "uuid")
  }
  return "[N/A]"
}

# shown T NAME V: V as printed: without its unit under nounits.
function shown(t, name, v, u) {
  if (!units) {
    u = unit_of(t, name)
    if (u != "" && length(v) > length(u) + 1 && substr(v, length(v) - length(u)) == " " u) {
      v = substr(v, 1, length(v) - length(u) - 1)
    }
  }
  return v
}

function gpu_index(r) {
  return ("g", "index") in col ? cell("g", r, "index") : r - 1
}

# find_gpu ID: the row of the GPU with that index, UUID or PCI bus id; 0 when none.
function find_gpu(id, r) {
  for (r = 1; r <= nrow["g"]; r++) {
    if (id == gpu_index(r) || id == cell("g", r, "uuid") || id == cell("g", r, "pci.bus_id")) {
      return r
    }
  }
  return 0
}

function no_devices() {
  print "No devices were found"
  exit 6
}

BEGIN {
  mode = ENVIRON["FG_MODE"]
  header = ENVIRON["FG_HEADER"] == 1
  units = ENVIRON["FG_UNITS"] == 1
  load("g", ENVIRON["FG_GPUS"], "name")
  load("a", ENVIRON["FG_APPS"], "process_name")
  load_fields("g", ENVIRON["FG_GPU_FIELDS"])
  load_fields("a", ENVIRON["FG_APP_FIELDS"])
  t = mode == "apps" ? "a" : "g"

  # The fields asked for, by their canonical names.
  nf = 0
  if (mode == "gpu" || mode == "apps") {
    n = split(ENVIRON["FG_QUERY"], asked, ",")
    for (i = 1; i <= n; i++) {
      f = asked[i]
      gsub(/^[ \t]+|[ \t]+$/, "", f)
      if (f == "") {
        continue
      }
      c = resolve(t, f)
      if (c == "") {
        printf "Field \"%s\" is not a valid field to query.\n\n", f
        exit 2
      }
      field[++nf] = c
    }
  }

  if (nrow["g"] == 0) {
    no_devices()
  }
  # -i: the GPUs shown (all without it).
  if (ENVIRON["FG_IDS"] == "") {
    for (r = 1; r <= nrow["g"]; r++) {
      chosen[r] = 1
    }
  } else {
    n = split(ENVIRON["FG_IDS"], asked, ",")
    for (i = 1; i <= n; i++) {
      id = asked[i]
      gsub(/^[ \t]+|[ \t]+$/, "", id)
      r = find_gpu(id)
      if (r == 0) {
        no_devices()
      }
      chosen[r] = 1
    }
    for (r = 1; r <= nrow["g"]; r++) {
      if (r in chosen) {
        chosen_uuid[cell("g", r, "uuid")] = 1
      }
    }
  }

  # Live processes: each on every GPU its CUDA_VISIBLE_DEVICES names.
  nlive = 0
  while ((getline line) > 0) {
    n = split(line, w, " ")
    if (n < 4) {
      continue
    }
    name = line
    for (i = 1; i <= 3; i++) {
      name = substr(name, index(name, " ") + 1)
    }
    ndev = split(w[3], dev, ",")
    for (i = 1; i <= ndev; i++) {
      r = find_gpu(dev[i])
      if (r == 0 || ((w[1], r) in placed)) {
        continue
      }
      placed[w[1], r] = 1
      nlive++
      live_pid[nlive] = w[1]
      live_mib[nlive] = w[2]
      live_name[nlive] = name
      live_gpu[nlive] = r
      busy[r] += w[2]
    }
  }

  if (mode == "list") {
    for (r = 1; r <= nrow["g"]; r++) {
      if (r in chosen) {
        printf "GPU %s: %s (UUID: %s)\n", gpu_index(r), cell("g", r, "name"), cell("g", r, "uuid")
      }
    }
    exit 0
  }
  if (header) {
    line = ""
    for (i = 1; i <= nf; i++) {
      u = unit_of(t, field[i])
      line = line (i > 1 ? ", " : "") field[i] (u == "" ? "" : " [" u "]")
    }
    print line
  }
  if (mode == "gpu") {
    for (r = 1; r <= nrow["g"]; r++) {
      if (!(r in chosen)) {
        continue
      }
      line = ""
      for (i = 1; i <= nf; i++) {
        line = line (i > 1 ? ", " : "") shown("g", field[i], gpu(r, field[i]))
      }
      print line
    }
    exit 0
  }
  # Compute apps: the recorded ones, then the live ones GPU by GPU.
  for (r = 1; r <= nrow["a"]; r++) {
    if (ENVIRON["FG_IDS"] != "" && !(cell("a", r, "gpu_uuid") in chosen_uuid)) {
      continue
    }
    line = ""
    for (i = 1; i <= nf; i++) {
      line = line (i > 1 ? ", " : "") shown("a", field[i], cell("a", r, field[i]))
    }
    print line
  }
  for (g = 1; g <= nrow["g"]; g++) {
    if (!(g in chosen)) {
      continue
    }
    for (k = 1; k <= nlive; k++) {
      if (live_gpu[k] != g) {
        continue
      }
      line = ""
      for (i = 1; i <= nf; i++) {
        line = line (i > 1 ? ", " : "") shown("a", field[i], live_app(k, field[i]))
      }
      print line
    }
  }
  exit 0
}
