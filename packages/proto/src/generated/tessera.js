/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError, $Array = $util.global.Array, $TypeError = $util.global.TypeError, $Number = $util.global.Number, $String = $util.global.String, $parseInt = $util.global.parseInt, $Boolean = $util.global.Boolean, $BigInt = $util.global.BigInt;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const tessera = $root.tessera = (() => {

    /**
     * Namespace tessera.
     * @exports tessera
     * @namespace
     */
    const tessera = {};

    tessera.v1 = (function() {

        /**
         * Namespace v1.
         * @memberof tessera
         * @namespace
         */
        const v1 = {};

        v1.Request = (function() {

            /**
             * Properties of a Request.
             * @typedef {Object} tessera.v1.Request.$Properties
             * @property {number|null} [id] Request id
             * @property {string|null} [command] Request command
             * @property {Array.<Uint8Array>|null} [args] Request args
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Request.
             * @memberof tessera.v1
             * @interface IRequest
             * @augments tessera.v1.Request.$Properties
             * @deprecated Use tessera.v1.Request.$Properties instead.
             */

            /**
             * Shape of a Request.
             * @typedef {tessera.v1.Request.$Properties} tessera.v1.Request.$Shape
             */

            /**
             * Constructs a new Request.
             * @memberof tessera.v1
             * @classdesc Represents a Request.
             * @constructor
             * @param {tessera.v1.Request.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Request = function (properties) {
                this.args = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Request id.
             * @member {number} id
             * @memberof tessera.v1.Request
             * @instance
             */
            Request.prototype.id = 0;

            /**
             * Request command.
             * @member {string} command
             * @memberof tessera.v1.Request
             * @instance
             */
            Request.prototype.command = "";

            /**
             * Request args.
             * @member {Array.<Uint8Array>} args
             * @memberof tessera.v1.Request
             * @instance
             */
            Request.prototype.args = $util.emptyArray;

            /**
             * Creates a new Request instance using the specified properties.
             * @function create
             * @memberof tessera.v1.Request
             * @static
             * @param {tessera.v1.Request.$Properties=} [properties] Properties to set
             * @returns {tessera.v1.Request} Request instance
             * @type {{
             *   (properties: tessera.v1.Request.$Shape): tessera.v1.Request & tessera.v1.Request.$Shape;
             *   (properties?: tessera.v1.Request.$Properties): tessera.v1.Request;
             * }}
             */
            Request.create = function(properties) {
                return new Request(properties);
            };

            /**
             * Encodes the specified Request message. Does not implicitly {@link tessera.v1.Request.verify|verify} messages.
             * @function encode
             * @memberof tessera.v1.Request
             * @static
             * @param {tessera.v1.Request.$Properties} message Request message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Request.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.id);
                if (message.command != null && $Object.hasOwnProperty.call(message, "command") && message.command !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.command);
                if (message.args != null && message.args.length)
                    for (let i = 0; i < message.args.length; ++i)
                        writer.uint32(/* id 3, wireType 2 =*/26).bytes(message.args[i]);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Encodes the specified Request message, length delimited. Does not implicitly {@link tessera.v1.Request.verify|verify} messages.
             * @function encodeDelimited
             * @memberof tessera.v1.Request
             * @static
             * @param {tessera.v1.Request.$Properties} message Request message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Request.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a Request message from the specified reader or buffer.
             * @function decode
             * @memberof tessera.v1.Request
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tessera.v1.Request & tessera.v1.Request.$Shape} Request
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Request.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tessera.v1.Request();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.command = value;
                            else
                                delete message.command;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if (!(message.args && message.args.length))
                                message.args = [];
                            message.args.push(reader.bytes());
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Decodes a Request message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof tessera.v1.Request
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {tessera.v1.Request & tessera.v1.Request.$Shape} Request
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Request.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a Request message.
             * @function verify
             * @memberof tessera.v1.Request
             * @static
             * @param {Object.<string,*>} message Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            Request.verify = function (message, _depth) {
                if (typeof message !== "object" || message === null)
                    return "object expected";
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    return "max depth exceeded";
                if (message.id != null && $Object.hasOwnProperty.call(message, "id"))
                    if (!$util.isInteger(message.id))
                        return "id: integer expected";
                if (message.command != null && $Object.hasOwnProperty.call(message, "command"))
                    if (!$util.isString(message.command))
                        return "command: string expected";
                if (message.args != null && $Object.hasOwnProperty.call(message, "args")) {
                    if (!$Array.isArray(message.args))
                        return "args: array expected";
                    for (let i = 0; i < message.args.length; ++i)
                        if (!(message.args[i] && typeof message.args[i].length === "number" || $util.isString(message.args[i])))
                            return "args: buffer[] expected";
                }
                return null;
            };

            /**
             * Creates a Request message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof tessera.v1.Request
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {tessera.v1.Request} Request
             */
            Request.fromObject = function (object, _depth) {
                if (object instanceof $root.tessera.v1.Request)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".tessera.v1.Request: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.tessera.v1.Request();
                if (object.id != null)
                    if ($Number(object.id) !== 0)
                        message.id = object.id >>> 0;
                if (object.command != null)
                    if (typeof object.command !== "string" || object.command.length)
                        message.command = $String(object.command);
                if (object.args) {
                    if (!$Array.isArray(object.args))
                        throw $TypeError(".tessera.v1.Request.args: array expected");
                    message.args = $Array(object.args.length);
                    for (let i = 0; i < object.args.length; ++i)
                        if (typeof object.args[i] === "string")
                            $util.base64.decode(object.args[i], message.args[i] = $util.newBuffer($util.base64.length(object.args[i])), 0);
                        else if (object.args[i].length >= 0)
                            message.args[i] = object.args[i];
                }
                return message;
            };

            /**
             * Creates a plain object from a Request message. Also converts values to other types if specified.
             * @function toObject
             * @memberof tessera.v1.Request
             * @static
             * @param {tessera.v1.Request} message Request
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            Request.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.arrays || options.defaults)
                    object.args = [];
                if (options.defaults) {
                    object.id = 0;
                    object.command = "";
                }
                if (message.id != null && $Object.hasOwnProperty.call(message, "id"))
                    object.id = message.id;
                if (message.command != null && $Object.hasOwnProperty.call(message, "command"))
                    object.command = message.command;
                if (message.args && message.args.length) {
                    object.args = $Array(message.args.length);
                    for (let j = 0; j < message.args.length; ++j)
                        object.args[j] = options.bytes === $String ? $util.base64.encode(message.args[j], 0, message.args[j].length) : options.bytes === $Array ? $Array.prototype.slice.call(message.args[j]) : message.args[j];
                }
                return object;
            };

            /**
             * Converts this Request to JSON.
             * @function toJSON
             * @memberof tessera.v1.Request
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            Request.prototype.toJSON = function() {
                return Request.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for Request
             * @function getTypeUrl
             * @memberof tessera.v1.Request
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Request.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/tessera.v1.Request";
            };

            return Request;
        })();

        v1.Ok = (function() {

            /**
             * Properties of an Ok.
             * @typedef {Object} tessera.v1.Ok.$Properties
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Ok.
             * @memberof tessera.v1
             * @interface IOk
             * @augments tessera.v1.Ok.$Properties
             * @deprecated Use tessera.v1.Ok.$Properties instead.
             */

            /**
             * Shape of an Ok.
             * @typedef {tessera.v1.Ok.$Properties} tessera.v1.Ok.$Shape
             */

            /**
             * Constructs a new Ok.
             * @memberof tessera.v1
             * @classdesc Represents an Ok.
             * @constructor
             * @param {tessera.v1.Ok.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Ok = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Creates a new Ok instance using the specified properties.
             * @function create
             * @memberof tessera.v1.Ok
             * @static
             * @param {tessera.v1.Ok.$Properties=} [properties] Properties to set
             * @returns {tessera.v1.Ok} Ok instance
             * @type {{
             *   (properties: tessera.v1.Ok.$Shape): tessera.v1.Ok & tessera.v1.Ok.$Shape;
             *   (properties?: tessera.v1.Ok.$Properties): tessera.v1.Ok;
             * }}
             */
            Ok.create = function(properties) {
                return new Ok(properties);
            };

            /**
             * Encodes the specified Ok message. Does not implicitly {@link tessera.v1.Ok.verify|verify} messages.
             * @function encode
             * @memberof tessera.v1.Ok
             * @static
             * @param {tessera.v1.Ok.$Properties} message Ok message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Ok.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Encodes the specified Ok message, length delimited. Does not implicitly {@link tessera.v1.Ok.verify|verify} messages.
             * @function encodeDelimited
             * @memberof tessera.v1.Ok
             * @static
             * @param {tessera.v1.Ok.$Properties} message Ok message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Ok.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes an Ok message from the specified reader or buffer.
             * @function decode
             * @memberof tessera.v1.Ok
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tessera.v1.Ok & tessera.v1.Ok.$Shape} Ok
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Ok.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tessera.v1.Ok();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    reader.skipType(tag & 7, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Decodes an Ok message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof tessera.v1.Ok
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {tessera.v1.Ok & tessera.v1.Ok.$Shape} Ok
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Ok.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies an Ok message.
             * @function verify
             * @memberof tessera.v1.Ok
             * @static
             * @param {Object.<string,*>} message Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            Ok.verify = function (message, _depth) {
                if (typeof message !== "object" || message === null)
                    return "object expected";
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    return "max depth exceeded";
                return null;
            };

            /**
             * Creates an Ok message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof tessera.v1.Ok
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {tessera.v1.Ok} Ok
             */
            Ok.fromObject = function (object, _depth) {
                if (object instanceof $root.tessera.v1.Ok)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".tessera.v1.Ok: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                return new $root.tessera.v1.Ok();
            };

            /**
             * Creates a plain object from an Ok message. Also converts values to other types if specified.
             * @function toObject
             * @memberof tessera.v1.Ok
             * @static
             * @param {tessera.v1.Ok} message Ok
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            Ok.toObject = function () {
                return {};
            };

            /**
             * Converts this Ok to JSON.
             * @function toJSON
             * @memberof tessera.v1.Ok
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            Ok.prototype.toJSON = function() {
                return Ok.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for Ok
             * @function getTypeUrl
             * @memberof tessera.v1.Ok
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Ok.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/tessera.v1.Ok";
            };

            return Ok;
        })();

        v1.Nil = (function() {

            /**
             * Properties of a Nil.
             * @typedef {Object} tessera.v1.Nil.$Properties
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Nil.
             * @memberof tessera.v1
             * @interface INil
             * @augments tessera.v1.Nil.$Properties
             * @deprecated Use tessera.v1.Nil.$Properties instead.
             */

            /**
             * Shape of a Nil.
             * @typedef {tessera.v1.Nil.$Properties} tessera.v1.Nil.$Shape
             */

            /**
             * Constructs a new Nil.
             * @memberof tessera.v1
             * @classdesc Represents a Nil.
             * @constructor
             * @param {tessera.v1.Nil.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Nil = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Creates a new Nil instance using the specified properties.
             * @function create
             * @memberof tessera.v1.Nil
             * @static
             * @param {tessera.v1.Nil.$Properties=} [properties] Properties to set
             * @returns {tessera.v1.Nil} Nil instance
             * @type {{
             *   (properties: tessera.v1.Nil.$Shape): tessera.v1.Nil & tessera.v1.Nil.$Shape;
             *   (properties?: tessera.v1.Nil.$Properties): tessera.v1.Nil;
             * }}
             */
            Nil.create = function(properties) {
                return new Nil(properties);
            };

            /**
             * Encodes the specified Nil message. Does not implicitly {@link tessera.v1.Nil.verify|verify} messages.
             * @function encode
             * @memberof tessera.v1.Nil
             * @static
             * @param {tessera.v1.Nil.$Properties} message Nil message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Nil.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Encodes the specified Nil message, length delimited. Does not implicitly {@link tessera.v1.Nil.verify|verify} messages.
             * @function encodeDelimited
             * @memberof tessera.v1.Nil
             * @static
             * @param {tessera.v1.Nil.$Properties} message Nil message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Nil.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a Nil message from the specified reader or buffer.
             * @function decode
             * @memberof tessera.v1.Nil
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tessera.v1.Nil & tessera.v1.Nil.$Shape} Nil
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Nil.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tessera.v1.Nil();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    reader.skipType(tag & 7, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Decodes a Nil message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof tessera.v1.Nil
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {tessera.v1.Nil & tessera.v1.Nil.$Shape} Nil
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Nil.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a Nil message.
             * @function verify
             * @memberof tessera.v1.Nil
             * @static
             * @param {Object.<string,*>} message Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            Nil.verify = function (message, _depth) {
                if (typeof message !== "object" || message === null)
                    return "object expected";
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    return "max depth exceeded";
                return null;
            };

            /**
             * Creates a Nil message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof tessera.v1.Nil
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {tessera.v1.Nil} Nil
             */
            Nil.fromObject = function (object, _depth) {
                if (object instanceof $root.tessera.v1.Nil)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".tessera.v1.Nil: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                return new $root.tessera.v1.Nil();
            };

            /**
             * Creates a plain object from a Nil message. Also converts values to other types if specified.
             * @function toObject
             * @memberof tessera.v1.Nil
             * @static
             * @param {tessera.v1.Nil} message Nil
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            Nil.toObject = function () {
                return {};
            };

            /**
             * Converts this Nil to JSON.
             * @function toJSON
             * @memberof tessera.v1.Nil
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            Nil.prototype.toJSON = function() {
                return Nil.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for Nil
             * @function getTypeUrl
             * @memberof tessera.v1.Nil
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Nil.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/tessera.v1.Nil";
            };

            return Nil;
        })();

        v1.Error = (function() {

            /**
             * Properties of an Error.
             * @typedef {Object} tessera.v1.Error.$Properties
             * @property {string|null} [code] Error code
             * @property {string|null} [message] Error message
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Error.
             * @memberof tessera.v1
             * @interface IError
             * @augments tessera.v1.Error.$Properties
             * @deprecated Use tessera.v1.Error.$Properties instead.
             */

            /**
             * Shape of an Error.
             * @typedef {tessera.v1.Error.$Properties} tessera.v1.Error.$Shape
             */

            /**
             * Constructs a new Error.
             * @memberof tessera.v1
             * @classdesc Represents an Error.
             * @constructor
             * @param {tessera.v1.Error.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Error = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Error code.
             * @member {string} code
             * @memberof tessera.v1.Error
             * @instance
             */
            Error.prototype.code = "";

            /**
             * Error message.
             * @member {string} message
             * @memberof tessera.v1.Error
             * @instance
             */
            Error.prototype.message = "";

            /**
             * Creates a new Error instance using the specified properties.
             * @function create
             * @memberof tessera.v1.Error
             * @static
             * @param {tessera.v1.Error.$Properties=} [properties] Properties to set
             * @returns {tessera.v1.Error} Error instance
             * @type {{
             *   (properties: tessera.v1.Error.$Shape): tessera.v1.Error & tessera.v1.Error.$Shape;
             *   (properties?: tessera.v1.Error.$Properties): tessera.v1.Error;
             * }}
             */
            Error.create = function(properties) {
                return new Error(properties);
            };

            /**
             * Encodes the specified Error message. Does not implicitly {@link tessera.v1.Error.verify|verify} messages.
             * @function encode
             * @memberof tessera.v1.Error
             * @static
             * @param {tessera.v1.Error.$Properties} message Error message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Error.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.code != null && $Object.hasOwnProperty.call(message, "code") && message.code !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.code);
                if (message.message != null && $Object.hasOwnProperty.call(message, "message") && message.message !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.message);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Encodes the specified Error message, length delimited. Does not implicitly {@link tessera.v1.Error.verify|verify} messages.
             * @function encodeDelimited
             * @memberof tessera.v1.Error
             * @static
             * @param {tessera.v1.Error.$Properties} message Error message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Error.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes an Error message from the specified reader or buffer.
             * @function decode
             * @memberof tessera.v1.Error
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tessera.v1.Error & tessera.v1.Error.$Shape} Error
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Error.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tessera.v1.Error();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.code = value;
                            else
                                delete message.code;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.message = value;
                            else
                                delete message.message;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Decodes an Error message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof tessera.v1.Error
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {tessera.v1.Error & tessera.v1.Error.$Shape} Error
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Error.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies an Error message.
             * @function verify
             * @memberof tessera.v1.Error
             * @static
             * @param {Object.<string,*>} message Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            Error.verify = function (message, _depth) {
                if (typeof message !== "object" || message === null)
                    return "object expected";
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    return "max depth exceeded";
                if (message.code != null && $Object.hasOwnProperty.call(message, "code"))
                    if (!$util.isString(message.code))
                        return "code: string expected";
                if (message.message != null && $Object.hasOwnProperty.call(message, "message"))
                    if (!$util.isString(message.message))
                        return "message: string expected";
                return null;
            };

            /**
             * Creates an Error message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof tessera.v1.Error
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {tessera.v1.Error} Error
             */
            Error.fromObject = function (object, _depth) {
                if (object instanceof $root.tessera.v1.Error)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".tessera.v1.Error: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.tessera.v1.Error();
                if (object.code != null)
                    if (typeof object.code !== "string" || object.code.length)
                        message.code = $String(object.code);
                if (object.message != null)
                    if (typeof object.message !== "string" || object.message.length)
                        message.message = $String(object.message);
                return message;
            };

            /**
             * Creates a plain object from an Error message. Also converts values to other types if specified.
             * @function toObject
             * @memberof tessera.v1.Error
             * @static
             * @param {tessera.v1.Error} message Error
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            Error.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.code = "";
                    object.message = "";
                }
                if (message.code != null && $Object.hasOwnProperty.call(message, "code"))
                    object.code = message.code;
                if (message.message != null && $Object.hasOwnProperty.call(message, "message"))
                    object.message = message.message;
                return object;
            };

            /**
             * Converts this Error to JSON.
             * @function toJSON
             * @memberof tessera.v1.Error
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            Error.prototype.toJSON = function() {
                return Error.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for Error
             * @function getTypeUrl
             * @memberof tessera.v1.Error
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Error.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/tessera.v1.Error";
            };

            return Error;
        })();

        v1.ArrayReply = (function() {

            /**
             * Properties of an ArrayReply.
             * @typedef {Object} tessera.v1.ArrayReply.$Properties
             * @property {Array.<tessera.v1.Reply.$Properties>|null} [items] ArrayReply items
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an ArrayReply.
             * @memberof tessera.v1
             * @interface IArrayReply
             * @augments tessera.v1.ArrayReply.$Properties
             * @deprecated Use tessera.v1.ArrayReply.$Properties instead.
             */

            /**
             * Shape of an ArrayReply.
             * @typedef {{
             *   items?: Array.<tessera.v1.Reply.$Shape>|null;
             *   $unknowns?: Array.<Uint8Array>;
             * }} tessera.v1.ArrayReply.$Shape
             */

            /**
             * Constructs a new ArrayReply.
             * @memberof tessera.v1
             * @classdesc Represents an ArrayReply.
             * @constructor
             * @param {tessera.v1.ArrayReply.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ArrayReply = function (properties) {
                this.items = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ArrayReply items.
             * @member {Array.<tessera.v1.Reply.$Properties>} items
             * @memberof tessera.v1.ArrayReply
             * @instance
             */
            ArrayReply.prototype.items = $util.emptyArray;

            /**
             * Creates a new ArrayReply instance using the specified properties.
             * @function create
             * @memberof tessera.v1.ArrayReply
             * @static
             * @param {tessera.v1.ArrayReply.$Properties=} [properties] Properties to set
             * @returns {tessera.v1.ArrayReply} ArrayReply instance
             * @type {{
             *   (properties: tessera.v1.ArrayReply.$Shape): tessera.v1.ArrayReply & tessera.v1.ArrayReply.$Shape;
             *   (properties?: tessera.v1.ArrayReply.$Properties): tessera.v1.ArrayReply;
             * }}
             */
            ArrayReply.create = function(properties) {
                return new ArrayReply(properties);
            };

            /**
             * Encodes the specified ArrayReply message. Does not implicitly {@link tessera.v1.ArrayReply.verify|verify} messages.
             * @function encode
             * @memberof tessera.v1.ArrayReply
             * @static
             * @param {tessera.v1.ArrayReply.$Properties} message ArrayReply message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ArrayReply.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.items != null && message.items.length)
                    for (let i = 0; i < message.items.length; ++i)
                        $root.tessera.v1.Reply.encode(message.items[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Encodes the specified ArrayReply message, length delimited. Does not implicitly {@link tessera.v1.ArrayReply.verify|verify} messages.
             * @function encodeDelimited
             * @memberof tessera.v1.ArrayReply
             * @static
             * @param {tessera.v1.ArrayReply.$Properties} message ArrayReply message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ArrayReply.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes an ArrayReply message from the specified reader or buffer.
             * @function decode
             * @memberof tessera.v1.ArrayReply
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tessera.v1.ArrayReply & tessera.v1.ArrayReply.$Shape} ArrayReply
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ArrayReply.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tessera.v1.ArrayReply();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if (!(message.items && message.items.length))
                                message.items = [];
                            message.items.push($root.tessera.v1.Reply.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Decodes an ArrayReply message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof tessera.v1.ArrayReply
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {tessera.v1.ArrayReply & tessera.v1.ArrayReply.$Shape} ArrayReply
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ArrayReply.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies an ArrayReply message.
             * @function verify
             * @memberof tessera.v1.ArrayReply
             * @static
             * @param {Object.<string,*>} message Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            ArrayReply.verify = function (message, _depth) {
                if (typeof message !== "object" || message === null)
                    return "object expected";
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    return "max depth exceeded";
                if (message.items != null && $Object.hasOwnProperty.call(message, "items")) {
                    if (!$Array.isArray(message.items))
                        return "items: array expected";
                    for (let i = 0; i < message.items.length; ++i) {
                        let error = $root.tessera.v1.Reply.verify(message.items[i], _depth + 1);
                        if (error)
                            return "items." + error;
                    }
                }
                return null;
            };

            /**
             * Creates an ArrayReply message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof tessera.v1.ArrayReply
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {tessera.v1.ArrayReply} ArrayReply
             */
            ArrayReply.fromObject = function (object, _depth) {
                if (object instanceof $root.tessera.v1.ArrayReply)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".tessera.v1.ArrayReply: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.tessera.v1.ArrayReply();
                if (object.items) {
                    if (!$Array.isArray(object.items))
                        throw $TypeError(".tessera.v1.ArrayReply.items: array expected");
                    message.items = $Array(object.items.length);
                    for (let i = 0; i < object.items.length; ++i) {
                        if (!$util.isObject(object.items[i]))
                            throw $TypeError(".tessera.v1.ArrayReply.items: object expected");
                        message.items[i] = $root.tessera.v1.Reply.fromObject(object.items[i], _depth + 1);
                    }
                }
                return message;
            };

            /**
             * Creates a plain object from an ArrayReply message. Also converts values to other types if specified.
             * @function toObject
             * @memberof tessera.v1.ArrayReply
             * @static
             * @param {tessera.v1.ArrayReply} message ArrayReply
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            ArrayReply.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.arrays || options.defaults)
                    object.items = [];
                if (message.items && message.items.length) {
                    object.items = $Array(message.items.length);
                    for (let j = 0; j < message.items.length; ++j)
                        object.items[j] = $root.tessera.v1.Reply.toObject(message.items[j], options, _depth + 1);
                }
                return object;
            };

            /**
             * Converts this ArrayReply to JSON.
             * @function toJSON
             * @memberof tessera.v1.ArrayReply
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            ArrayReply.prototype.toJSON = function() {
                return ArrayReply.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for ArrayReply
             * @function getTypeUrl
             * @memberof tessera.v1.ArrayReply
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            ArrayReply.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/tessera.v1.ArrayReply";
            };

            return ArrayReply;
        })();

        v1.Reply = (function() {

            /**
             * Properties of a Reply.
             * @typedef {Object} tessera.v1.Reply.$Properties
             * @property {number|null} [id] Reply id
             * @property {tessera.v1.Ok.$Properties|null} [ok] Reply ok
             * @property {tessera.v1.Nil.$Properties|null} [nil] Reply nil
             * @property {number|Long|null} [integer] Reply integer
             * @property {Uint8Array|null} [bulk] Reply bulk
             * @property {tessera.v1.ArrayReply.$Properties|null} [array] Reply array
             * @property {tessera.v1.Error.$Properties|null} [error] Reply error
             * @property {string|null} [status] Reply status
             * @property {boolean|null} [push] Reply push
             * @property {"ok"|"nil"|"integer"|"bulk"|"array"|"error"|"status"} [value] Reply value
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Reply.
             * @memberof tessera.v1
             * @interface IReply
             * @augments tessera.v1.Reply.$Properties
             * @deprecated Use tessera.v1.Reply.$Properties instead.
             */

            /**
             * Narrowed shape of a Reply.
             * @typedef {{
             *   id?: number|null;
             *   ok?: tessera.v1.Ok.$Shape|null;
             *   nil?: tessera.v1.Nil.$Shape|null;
             *   integer?: number|Long|null;
             *   bulk?: Uint8Array|null;
             *   array?: tessera.v1.ArrayReply.$Shape|null;
             *   error?: tessera.v1.Error.$Shape|null;
             *   status?: string|null;
             *   push?: boolean|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ value?: undefined; ok?: null; nil?: null; integer?: null; bulk?: null; array?: null; error?: null; status?: null }|{ value?: "ok"; ok: tessera.v1.Ok.$Shape; nil?: null; integer?: null; bulk?: null; array?: null; error?: null; status?: null }|{ value?: "nil"; ok?: null; nil: tessera.v1.Nil.$Shape; integer?: null; bulk?: null; array?: null; error?: null; status?: null }|{ value?: "integer"; ok?: null; nil?: null; integer: number|Long; bulk?: null; array?: null; error?: null; status?: null }|{ value?: "bulk"; ok?: null; nil?: null; integer?: null; bulk: Uint8Array; array?: null; error?: null; status?: null }|{ value?: "array"; ok?: null; nil?: null; integer?: null; bulk?: null; array: tessera.v1.ArrayReply.$Shape; error?: null; status?: null }|{ value?: "error"; ok?: null; nil?: null; integer?: null; bulk?: null; array?: null; error: tessera.v1.Error.$Shape; status?: null }|{ value?: "status"; ok?: null; nil?: null; integer?: null; bulk?: null; array?: null; error?: null; status: string })
             * )} tessera.v1.Reply.$Shape
             */

            /**
             * Constructs a new Reply.
             * @memberof tessera.v1
             * @classdesc Represents a Reply.
             * @constructor
             * @param {tessera.v1.Reply.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Reply = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Reply id.
             * @member {number} id
             * @memberof tessera.v1.Reply
             * @instance
             */
            Reply.prototype.id = 0;

            /**
             * Reply ok.
             * @member {tessera.v1.Ok.$Properties|null|undefined} ok
             * @memberof tessera.v1.Reply
             * @instance
             */
            Reply.prototype.ok = null;

            /**
             * Reply nil.
             * @member {tessera.v1.Nil.$Properties|null|undefined} nil
             * @memberof tessera.v1.Reply
             * @instance
             */
            Reply.prototype.nil = null;

            /**
             * Reply integer.
             * @member {number|Long|null|undefined} integer
             * @memberof tessera.v1.Reply
             * @instance
             */
            Reply.prototype.integer = null;

            /**
             * Reply bulk.
             * @member {Uint8Array|null|undefined} bulk
             * @memberof tessera.v1.Reply
             * @instance
             */
            Reply.prototype.bulk = null;

            /**
             * Reply array.
             * @member {tessera.v1.ArrayReply.$Properties|null|undefined} array
             * @memberof tessera.v1.Reply
             * @instance
             */
            Reply.prototype.array = null;

            /**
             * Reply error.
             * @member {tessera.v1.Error.$Properties|null|undefined} error
             * @memberof tessera.v1.Reply
             * @instance
             */
            Reply.prototype.error = null;

            /**
             * Reply status.
             * @member {string|null|undefined} status
             * @memberof tessera.v1.Reply
             * @instance
             */
            Reply.prototype.status = null;

            /**
             * Reply push.
             * @member {boolean} push
             * @memberof tessera.v1.Reply
             * @instance
             */
            Reply.prototype.push = false;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * Reply value.
             * @member {"ok"|"nil"|"integer"|"bulk"|"array"|"error"|"status"|undefined} value
             * @memberof tessera.v1.Reply
             * @instance
             */
            $Object.defineProperty(Reply.prototype, "value", {
                get: $util.oneOfGetter($oneOfFields = ["ok", "nil", "integer", "bulk", "array", "error", "status"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new Reply instance using the specified properties.
             * @function create
             * @memberof tessera.v1.Reply
             * @static
             * @param {tessera.v1.Reply.$Properties=} [properties] Properties to set
             * @returns {tessera.v1.Reply} Reply instance
             * @type {{
             *   (properties: tessera.v1.Reply.$Shape): tessera.v1.Reply & tessera.v1.Reply.$Shape;
             *   (properties?: tessera.v1.Reply.$Properties): tessera.v1.Reply;
             * }}
             */
            Reply.create = function(properties) {
                return new Reply(properties);
            };

            /**
             * Encodes the specified Reply message. Does not implicitly {@link tessera.v1.Reply.verify|verify} messages.
             * @function encode
             * @memberof tessera.v1.Reply
             * @static
             * @param {tessera.v1.Reply.$Properties} message Reply message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Reply.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.id);
                if (message.ok != null && $Object.hasOwnProperty.call(message, "ok"))
                    $root.tessera.v1.Ok.encode(message.ok, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.nil != null && $Object.hasOwnProperty.call(message, "nil"))
                    $root.tessera.v1.Nil.encode(message.nil, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.integer != null && $Object.hasOwnProperty.call(message, "integer"))
                    writer.uint32(/* id 4, wireType 0 =*/32).sint64(message.integer);
                if (message.bulk != null && $Object.hasOwnProperty.call(message, "bulk"))
                    writer.uint32(/* id 5, wireType 2 =*/42).bytes(message.bulk);
                if (message.array != null && $Object.hasOwnProperty.call(message, "array"))
                    $root.tessera.v1.ArrayReply.encode(message.array, writer.uint32(/* id 6, wireType 2 =*/50).fork(), _depth + 1).ldelim();
                if (message.error != null && $Object.hasOwnProperty.call(message, "error"))
                    $root.tessera.v1.Error.encode(message.error, writer.uint32(/* id 7, wireType 2 =*/58).fork(), _depth + 1).ldelim();
                if (message.status != null && $Object.hasOwnProperty.call(message, "status"))
                    writer.uint32(/* id 8, wireType 2 =*/66).string(message.status);
                if (message.push != null && $Object.hasOwnProperty.call(message, "push") && message.push !== false)
                    writer.uint32(/* id 9, wireType 0 =*/72).bool(message.push);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Encodes the specified Reply message, length delimited. Does not implicitly {@link tessera.v1.Reply.verify|verify} messages.
             * @function encodeDelimited
             * @memberof tessera.v1.Reply
             * @static
             * @param {tessera.v1.Reply.$Properties} message Reply message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Reply.encodeDelimited = function(message, writer) {
                return this.encode(message, (writer || $Writer.create()).fork()).ldelim();
            };

            /**
             * Decodes a Reply message from the specified reader or buffer.
             * @function decode
             * @memberof tessera.v1.Reply
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tessera.v1.Reply & tessera.v1.Reply.$Shape} Reply
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Reply.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tessera.v1.Reply();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.ok = $root.tessera.v1.Ok.decode(reader, reader.size(), $undefined, _depth + 1, message.ok);
                            message.value = "ok";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.nil = $root.tessera.v1.Nil.decode(reader, reader.size(), $undefined, _depth + 1, message.nil);
                            message.value = "nil";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            message.integer = reader.sint64();
                            message.value = "integer";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.bulk = reader.bytes();
                            message.value = "bulk";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.array = $root.tessera.v1.ArrayReply.decode(reader, reader.size(), $undefined, _depth + 1, message.array);
                            message.value = "array";
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            message.error = $root.tessera.v1.Error.decode(reader, reader.size(), $undefined, _depth + 1, message.error);
                            message.value = "error";
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            message.status = reader.stringVerify();
                            message.value = "status";
                            continue;
                        }
                    case 9: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.push = value;
                            else
                                delete message.push;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Decodes a Reply message from the specified reader or buffer, length delimited.
             * @function decodeDelimited
             * @memberof tessera.v1.Reply
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @returns {tessera.v1.Reply & tessera.v1.Reply.$Shape} Reply
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Reply.decodeDelimited = function(reader) {
                if (!(reader instanceof $Reader))
                    reader = new $Reader(reader);
                return this.decode(reader, reader.size());
            };

            /**
             * Verifies a Reply message.
             * @function verify
             * @memberof tessera.v1.Reply
             * @static
             * @param {Object.<string,*>} message Plain object to verify
             * @returns {string|null} `null` if valid, otherwise the reason why it is not
             */
            Reply.verify = function (message, _depth) {
                if (typeof message !== "object" || message === null)
                    return "object expected";
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    return "max depth exceeded";
                let properties = {};
                if (message.id != null && $Object.hasOwnProperty.call(message, "id"))
                    if (!$util.isInteger(message.id))
                        return "id: integer expected";
                if (message.ok != null && $Object.hasOwnProperty.call(message, "ok")) {
                    properties.value = 1;
                    {
                        let error = $root.tessera.v1.Ok.verify(message.ok, _depth + 1);
                        if (error)
                            return "ok." + error;
                    }
                }
                if (message.nil != null && $Object.hasOwnProperty.call(message, "nil")) {
                    if (properties.value === 1)
                        return "value: multiple values";
                    properties.value = 1;
                    {
                        let error = $root.tessera.v1.Nil.verify(message.nil, _depth + 1);
                        if (error)
                            return "nil." + error;
                    }
                }
                if (message.integer != null && $Object.hasOwnProperty.call(message, "integer")) {
                    if (properties.value === 1)
                        return "value: multiple values";
                    properties.value = 1;
                    if (!$util.isInteger(message.integer) && !(message.integer && $util.isInteger(message.integer.low) && $util.isInteger(message.integer.high)))
                        return "integer: integer|Long expected";
                }
                if (message.bulk != null && $Object.hasOwnProperty.call(message, "bulk")) {
                    if (properties.value === 1)
                        return "value: multiple values";
                    properties.value = 1;
                    if (!(message.bulk && typeof message.bulk.length === "number" || $util.isString(message.bulk)))
                        return "bulk: buffer expected";
                }
                if (message.array != null && $Object.hasOwnProperty.call(message, "array")) {
                    if (properties.value === 1)
                        return "value: multiple values";
                    properties.value = 1;
                    {
                        let error = $root.tessera.v1.ArrayReply.verify(message.array, _depth + 1);
                        if (error)
                            return "array." + error;
                    }
                }
                if (message.error != null && $Object.hasOwnProperty.call(message, "error")) {
                    if (properties.value === 1)
                        return "value: multiple values";
                    properties.value = 1;
                    {
                        let error = $root.tessera.v1.Error.verify(message.error, _depth + 1);
                        if (error)
                            return "error." + error;
                    }
                }
                if (message.status != null && $Object.hasOwnProperty.call(message, "status")) {
                    if (properties.value === 1)
                        return "value: multiple values";
                    properties.value = 1;
                    if (!$util.isString(message.status))
                        return "status: string expected";
                }
                if (message.push != null && $Object.hasOwnProperty.call(message, "push"))
                    if (typeof message.push !== "boolean")
                        return "push: boolean expected";
                return null;
            };

            /**
             * Creates a Reply message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof tessera.v1.Reply
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {tessera.v1.Reply} Reply
             */
            Reply.fromObject = function (object, _depth) {
                if (object instanceof $root.tessera.v1.Reply)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".tessera.v1.Reply: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.tessera.v1.Reply();
                if (object.id != null)
                    if ($Number(object.id) !== 0)
                        message.id = object.id >>> 0;
                if (object.ok != null) {
                    if (!$util.isObject(object.ok))
                        throw $TypeError(".tessera.v1.Reply.ok: object expected");
                    message.ok = $root.tessera.v1.Ok.fromObject(object.ok, _depth + 1);
                }
                if (object.nil != null) {
                    if (!$util.isObject(object.nil))
                        throw $TypeError(".tessera.v1.Reply.nil: object expected");
                    message.nil = $root.tessera.v1.Nil.fromObject(object.nil, _depth + 1);
                }
                if (object.integer != null)
                    if ($util.Long)
                        message.integer = $util.Long.fromValue(object.integer, false);
                    else if (typeof object.integer === "string")
                        message.integer = $parseInt(object.integer, 10);
                    else if (typeof object.integer === "number")
                        message.integer = object.integer;
                    else if (typeof object.integer === "object")
                        message.integer = new $util.LongBits(object.integer.low >>> 0, object.integer.high >>> 0).toNumber();
                if (object.bulk != null)
                    if (typeof object.bulk === "string")
                        $util.base64.decode(object.bulk, message.bulk = $util.newBuffer($util.base64.length(object.bulk)), 0);
                    else if (object.bulk.length >= 0)
                        message.bulk = object.bulk;
                if (object.array != null) {
                    if (!$util.isObject(object.array))
                        throw $TypeError(".tessera.v1.Reply.array: object expected");
                    message.array = $root.tessera.v1.ArrayReply.fromObject(object.array, _depth + 1);
                }
                if (object.error != null) {
                    if (!$util.isObject(object.error))
                        throw $TypeError(".tessera.v1.Reply.error: object expected");
                    message.error = $root.tessera.v1.Error.fromObject(object.error, _depth + 1);
                }
                if (object.status != null)
                    message.status = $String(object.status);
                if (object.push != null)
                    if (object.push)
                        message.push = $Boolean(object.push);
                return message;
            };

            /**
             * Creates a plain object from a Reply message. Also converts values to other types if specified.
             * @function toObject
             * @memberof tessera.v1.Reply
             * @static
             * @param {tessera.v1.Reply} message Reply
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            Reply.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.id = 0;
                    object.push = false;
                }
                if (message.id != null && $Object.hasOwnProperty.call(message, "id"))
                    object.id = message.id;
                if (message.ok != null && $Object.hasOwnProperty.call(message, "ok")) {
                    object.ok = $root.tessera.v1.Ok.toObject(message.ok, options, _depth + 1);
                    if (options.oneofs)
                        object.value = "ok";
                }
                if (message.nil != null && $Object.hasOwnProperty.call(message, "nil")) {
                    object.nil = $root.tessera.v1.Nil.toObject(message.nil, options, _depth + 1);
                    if (options.oneofs)
                        object.value = "nil";
                }
                if (message.integer != null && $Object.hasOwnProperty.call(message, "integer")) {
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.integer = typeof message.integer === "number" ? $BigInt(message.integer) : $util.Long.fromBits(message.integer.low >>> 0, message.integer.high >>> 0, false).toBigInt();
                    else if (typeof message.integer === "number")
                        object.integer = options.longs === $String ? $String(message.integer) : message.integer;
                    else
                        object.integer = options.longs === $String ? $util.Long.prototype.toString.call(message.integer) : options.longs === $Number ? new $util.LongBits(message.integer.low >>> 0, message.integer.high >>> 0).toNumber() : message.integer;
                    if (options.oneofs)
                        object.value = "integer";
                }
                if (message.bulk != null && $Object.hasOwnProperty.call(message, "bulk")) {
                    object.bulk = options.bytes === $String ? $util.base64.encode(message.bulk, 0, message.bulk.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.bulk) : message.bulk;
                    if (options.oneofs)
                        object.value = "bulk";
                }
                if (message.array != null && $Object.hasOwnProperty.call(message, "array")) {
                    object.array = $root.tessera.v1.ArrayReply.toObject(message.array, options, _depth + 1);
                    if (options.oneofs)
                        object.value = "array";
                }
                if (message.error != null && $Object.hasOwnProperty.call(message, "error")) {
                    object.error = $root.tessera.v1.Error.toObject(message.error, options, _depth + 1);
                    if (options.oneofs)
                        object.value = "error";
                }
                if (message.status != null && $Object.hasOwnProperty.call(message, "status")) {
                    object.status = message.status;
                    if (options.oneofs)
                        object.value = "status";
                }
                if (message.push != null && $Object.hasOwnProperty.call(message, "push"))
                    object.push = message.push;
                return object;
            };

            /**
             * Converts this Reply to JSON.
             * @function toJSON
             * @memberof tessera.v1.Reply
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            Reply.prototype.toJSON = function() {
                return Reply.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for Reply
             * @function getTypeUrl
             * @memberof tessera.v1.Reply
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Reply.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/tessera.v1.Reply";
            };

            return Reply;
        })();

        return v1;
    })();

    return tessera;
})();

export {
  $root as default
};
