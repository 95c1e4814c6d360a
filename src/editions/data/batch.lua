-- A pandoc custom reader that converts a whole build's Markdown in one pandoc process.
--
-- Input: JSON {extensions, link_prefixes, csl, references (CSL JSON text), fields = [{key, text, shift}],
-- groups = [{key, fields = [...]}]}. Every field is parsed on its own, so no text can
-- reach into another; fields of a group share one citeproc run (an edition's numbering).
-- Output: one RawBlock holding JSON {fields = {key = html}, groups = {key = {fields, bibliography}}}.

-- The batch's link_prefixes (links.py's LINK_PREFIXES, the rule check applies too): a link is
-- kept when its address starts with one of them, ASCII letters in any case.
local LINK_PREFIXES = {}

local function allowed(target)
  local lowered = target:lower()
  for _, prefix in ipairs(LINK_PREFIXES) do
    if lowered:sub(1, #prefix) == prefix then return true end
  end
  return false
end

-- Images are files shipped in the publication's images/ folder (check vets each file);
-- anything else, and any image without alt text, is printed as its alt text only.
local IMAGE_TYPES = { png = true, jpg = true, jpeg = true, gif = true, webp = true }

local function allowed_image(src)
  if not src:match("^images/[%w_%-][%w%._/%-]*$") then return false end
  if src:match("%.%.") or src:match("//") or src:match("/%.") then return false end
  local extension = src:match("%.(%w+)$")
  return extension ~= nil and IMAGE_TYPES[extension:lower()] == true
end

local function clear(el)
  el.attr = pandoc.Attr()
  return el
end

-- Contributors' text is untrusted: no attributes, no raw markup, only web and mail links.
local function sanitizer()
  return {
    RawInline = function() return {} end,
    RawBlock = function() return {} end,
    Span = function(el) return el.content end,
    Div = function(el) return el.content end,
    Link = function(el)
      if not allowed(el.target) then return el.content end
      el.title = ""
      return clear(el)
    end,
    Image = function(el)
      local alt = pandoc.utils.stringify(el.caption)
      if alt == "" then return {} end
      if not allowed_image(el.src) then
        return pandoc.Emph({ pandoc.Str("[" .. alt .. "]") })
      end
      el.caption = { pandoc.Str(alt) }
      el.title = ""
      return clear(el)
    end,
    Figure = function(el) return el.content end,
    Header = clear,
    Code = clear,
    CodeBlock = clear,
    -- column widths and alignments would come out as style attributes: the page decides
    Table = function(el)
      for index, spec in ipairs(el.colspecs) do
        el.colspecs[index] = { pandoc.AlignDefault, pandoc.ColWidthDefault }
      end
      return clear(el)
    end,
  }
end

-- Headings go under the page's own (at level `shift`) without skipping a level, whatever
-- levels the writer used: the field's top level becomes shift + 1, and no heading is more
-- than one level below the one before it.
local function demote(doc, shift)
  local top
  doc:walk({ Header = function(el)
    if top == nil or el.level < top then top = el.level end
  end })
  if top == nil then return doc end
  local previous = shift
  return doc:walk({ Header = function(el)
    el.level = math.min(el.level - top + shift + 1, previous + 1, 6)
    previous = el.level
    return el
  end })
end

local function parse(field, extensions)
  local doc = pandoc.read(field.text, extensions)
  return demote(doc:walk(sanitizer()), field.shift or 0)
end

local function html(blocks, prefix)
  return pandoc.write(pandoc.Pandoc(blocks), "html",
    { wrap_text = "wrap-none", identifier_prefix = prefix or "" })
end

-- Each pandoc.read costs about 2 ms before it reads a word (it parses the extension list), so
-- fields that hold nothing but paragraphs, lists and inline markup are read together, a
-- separator paragraph between each two, and split again. Whatever could reach from one field
-- into another -- link and note definitions, notes, headings, fences, quotes, tables,
-- metadata, rules -- makes a field be read on its own, and so does any doubt.
local SEPARATOR = "EditionsFieldSeparator7q2ZkV"
local SEPARATOR_HTML = "\n<p>" .. SEPARATOR .. "</p>\n"

local function plain_line(line)
  local first = line:match("^%s*(.)")
  if first == nil then return true end
  if line:match("^[%s%-%*_=]*$") then return false end -- rules and underlines
  return first:match("[%w\128-\255%*_\"'(]") ~= nil or line:match("^%s*[%-%+] ") ~= nil
end

-- A reference definition can stand anywhere a paragraph can (inside a list item, with its
-- target on the next line), and example lists number on from text to text: any `]:` or `(@`
-- at all, and the text is read on its own.
local function can_share(text)
  if text:find(SEPARATOR, 1, true) or text:find("[^", 1, true) or text:find("^[", 1, true)
      or text:find("]:", 1, true) or text:find("(@", 1, true) then
    return false
  end
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    if not plain_line(line) then return false end
  end
  return true
end

-- The HTML of each field, by key; `shared` fields of one heading shift are read in one go.
local function convert_fields(fields, extensions)
  local out = {}
  local shared = {}
  for _, field in ipairs(fields) do
    if can_share(field.text) then
      -- Only a link, an image or raw markup gives the sanitizer work, and none of them can
      -- be written without one of these characters; walking a whole batch is not free.
      local clean = field.text:find("[%[<!{`]") == nil
      local batch_key = tostring(field.shift or 0) .. (clean and " clean" or "")
      shared[batch_key] = shared[batch_key] or { shift = field.shift or 0, clean = clean }
      table.insert(shared[batch_key], field)
    else
      out[field.key] = html(parse(field, extensions).blocks, field.prefix)
    end
  end
  for _, group in pairs(shared) do
    local parts = {}
    for _, field in ipairs(group) do
      parts[#parts + 1] = SEPARATOR .. "\n\n" .. field.text
    end
    local text = table.concat(parts, "\n\n") .. "\n\n" .. SEPARATOR .. "\n"
    local doc = pandoc.read(text, extensions)
    if not group.clean then doc = doc:walk(sanitizer(group.shift)) end
    local pieces = {}
    local rendered = pandoc.write(doc, "html", { wrap_text = "wrap-none" })
    rendered = "\n" .. rendered .. "\n"
    local start = 1
    while true do
      local at, stop = rendered:find(SEPARATOR_HTML, start, true)
      if not at then break end
      pieces[#pieces + 1] = rendered:sub(start, at - 1)
      start = stop + 1
    end
    -- pieces[1] is what came before the first separator: nothing, if all went to plan
    if #pieces == #group + 1 and pieces[1] == "" then
      for index, field in ipairs(group) do
        out[field.key] = pieces[index + 1]:gsub("^\n", "")
      end
    else
      for _, field in ipairs(group) do
        out[field.key] = html(parse(field, extensions).blocks, field.prefix)
      end
    end
  end
  return out
end

function Reader(input, _)
  local batch = pandoc.json.decode(tostring(input), false)
  LINK_PREFIXES = batch.link_prefixes
  local out = { fields = convert_fields(batch.fields, batch.extensions), groups = {} }
  local references
  if #batch.groups > 0 then
    references = pandoc.read(batch.references, "csljson").meta.references
  end
  for _, group in ipairs(batch.groups) do
    local blocks = {}
    for index, field in ipairs(group.fields) do
      blocks[#blocks + 1] = pandoc.Div(parse(field, batch.extensions).blocks,
        pandoc.Attr("field-" .. index))
    end
    local doc = pandoc.Pandoc(blocks)
    doc.meta.references = references
    doc.meta.csl = batch.csl
    doc.meta.lang = batch.lang -- citeproc's terms: "u. a." for "et al." in German
    doc.meta["link-citations"] = true
    doc.meta["link-bibliography"] = true
    doc.meta["suppress-bibliography"] = false
    doc = pandoc.utils.citeproc(doc)
    local result = { fields = {}, bibliography = "" }
    for _, block in ipairs(doc.blocks) do
      if block.identifier == "refs" then
        result.bibliography = html({ block })
      else
        local index = tonumber(block.identifier:match("^field%-(%d+)$"))
        local field = group.fields[index]
        -- the prefix keeps footnotes apart; citations still point at the one bibliography
        local escaped = (field.prefix or ""):gsub("%p", "%%%0")
        result.fields[field.key] = html(block.content, field.prefix)
          :gsub('href="#' .. escaped .. 'ref%-', 'href="#ref-')
      end
    end
    out.groups[group.key] = result
  end
  return pandoc.Pandoc({ pandoc.RawBlock("json", pandoc.json.encode(out)) })
end
