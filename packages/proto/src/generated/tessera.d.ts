import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace tessera. */
export namespace tessera {

    /** Namespace v1. */
    namespace v1 {

        /**
         * Properties of a Request.
         * @deprecated Use tessera.v1.Request.$Properties instead.
         */
        interface IRequest extends tessera.v1.Request.$Properties {
        }

        /** Represents a Request. */
        class Request {

            /**
             * Constructs a new Request.
             * @param [properties] Properties to set
             */
            constructor(properties?: tessera.v1.Request.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Request id. */
            id: number;

            /** Request command. */
            command: string;

            /** Request args. */
            args: Uint8Array[];

            /**
             * Creates a new Request instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Request instance
             */
            static create(properties: tessera.v1.Request.$Shape): tessera.v1.Request & tessera.v1.Request.$Shape;
            static create(properties?: tessera.v1.Request.$Properties): tessera.v1.Request;

            /**
             * Encodes the specified Request message. Does not implicitly {@link tessera.v1.Request.verify|verify} messages.
             * @param message Request message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tessera.v1.Request.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Encodes the specified Request message, length delimited. Does not implicitly {@link tessera.v1.Request.verify|verify} messages.
             * @param message Request message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encodeDelimited(message: tessera.v1.Request.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Request message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tessera.v1.Request & tessera.v1.Request.$Shape} Request
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tessera.v1.Request & tessera.v1.Request.$Shape;

            /**
             * Decodes a Request message from the specified reader or buffer, length delimited.
             * @param reader Reader or buffer to decode from
             * @returns {tessera.v1.Request & tessera.v1.Request.$Shape} Request
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): tessera.v1.Request & tessera.v1.Request.$Shape;

            /**
             * Verifies a Request message.
             * @param message Plain object to verify
             * @returns `null` if valid, otherwise the reason why it is not
             */
            static verify(message: { [k: string]: any }): (string|null);

            /**
             * Creates a Request message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns Request
             */
            static fromObject(object: { [k: string]: any }): tessera.v1.Request;

            /**
             * Creates a plain object from a Request message. Also converts values to other types if specified.
             * @param message Request
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: tessera.v1.Request, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this Request to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };

            /**
             * Gets the type url for Request
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Request {

            /** Properties of a Request. */
            interface $Properties {

                /** Request id */
                id?: (number|null);

                /** Request command */
                command?: (string|null);

                /** Request args */
                args?: (Uint8Array[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Request. */
            type $Shape = tessera.v1.Request.$Properties;
        }

        /**
         * Properties of an Ok.
         * @deprecated Use tessera.v1.Ok.$Properties instead.
         */
        interface IOk extends tessera.v1.Ok.$Properties {
        }

        /** Represents an Ok. */
        class Ok {

            /**
             * Constructs a new Ok.
             * @param [properties] Properties to set
             */
            constructor(properties?: tessera.v1.Ok.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /**
             * Creates a new Ok instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Ok instance
             */
            static create(properties: tessera.v1.Ok.$Shape): tessera.v1.Ok & tessera.v1.Ok.$Shape;
            static create(properties?: tessera.v1.Ok.$Properties): tessera.v1.Ok;

            /**
             * Encodes the specified Ok message. Does not implicitly {@link tessera.v1.Ok.verify|verify} messages.
             * @param message Ok message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tessera.v1.Ok.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Encodes the specified Ok message, length delimited. Does not implicitly {@link tessera.v1.Ok.verify|verify} messages.
             * @param message Ok message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encodeDelimited(message: tessera.v1.Ok.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Ok message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tessera.v1.Ok & tessera.v1.Ok.$Shape} Ok
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tessera.v1.Ok & tessera.v1.Ok.$Shape;

            /**
             * Decodes an Ok message from the specified reader or buffer, length delimited.
             * @param reader Reader or buffer to decode from
             * @returns {tessera.v1.Ok & tessera.v1.Ok.$Shape} Ok
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): tessera.v1.Ok & tessera.v1.Ok.$Shape;

            /**
             * Verifies an Ok message.
             * @param message Plain object to verify
             * @returns `null` if valid, otherwise the reason why it is not
             */
            static verify(message: { [k: string]: any }): (string|null);

            /**
             * Creates an Ok message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns Ok
             */
            static fromObject(object: { [k: string]: any }): tessera.v1.Ok;

            /**
             * Creates a plain object from an Ok message. Also converts values to other types if specified.
             * @param message Ok
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: tessera.v1.Ok, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this Ok to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };

            /**
             * Gets the type url for Ok
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Ok {

            /** Properties of an Ok. */
            interface $Properties {

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Ok. */
            type $Shape = tessera.v1.Ok.$Properties;
        }

        /**
         * Properties of a Nil.
         * @deprecated Use tessera.v1.Nil.$Properties instead.
         */
        interface INil extends tessera.v1.Nil.$Properties {
        }

        /** Represents a Nil. */
        class Nil {

            /**
             * Constructs a new Nil.
             * @param [properties] Properties to set
             */
            constructor(properties?: tessera.v1.Nil.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /**
             * Creates a new Nil instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Nil instance
             */
            static create(properties: tessera.v1.Nil.$Shape): tessera.v1.Nil & tessera.v1.Nil.$Shape;
            static create(properties?: tessera.v1.Nil.$Properties): tessera.v1.Nil;

            /**
             * Encodes the specified Nil message. Does not implicitly {@link tessera.v1.Nil.verify|verify} messages.
             * @param message Nil message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tessera.v1.Nil.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Encodes the specified Nil message, length delimited. Does not implicitly {@link tessera.v1.Nil.verify|verify} messages.
             * @param message Nil message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encodeDelimited(message: tessera.v1.Nil.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Nil message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tessera.v1.Nil & tessera.v1.Nil.$Shape} Nil
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tessera.v1.Nil & tessera.v1.Nil.$Shape;

            /**
             * Decodes a Nil message from the specified reader or buffer, length delimited.
             * @param reader Reader or buffer to decode from
             * @returns {tessera.v1.Nil & tessera.v1.Nil.$Shape} Nil
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): tessera.v1.Nil & tessera.v1.Nil.$Shape;

            /**
             * Verifies a Nil message.
             * @param message Plain object to verify
             * @returns `null` if valid, otherwise the reason why it is not
             */
            static verify(message: { [k: string]: any }): (string|null);

            /**
             * Creates a Nil message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns Nil
             */
            static fromObject(object: { [k: string]: any }): tessera.v1.Nil;

            /**
             * Creates a plain object from a Nil message. Also converts values to other types if specified.
             * @param message Nil
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: tessera.v1.Nil, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this Nil to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };

            /**
             * Gets the type url for Nil
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Nil {

            /** Properties of a Nil. */
            interface $Properties {

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Nil. */
            type $Shape = tessera.v1.Nil.$Properties;
        }

        /**
         * Properties of an Error.
         * @deprecated Use tessera.v1.Error.$Properties instead.
         */
        interface IError extends tessera.v1.Error.$Properties {
        }

        /** Represents an Error. */
        class Error {

            /**
             * Constructs a new Error.
             * @param [properties] Properties to set
             */
            constructor(properties?: tessera.v1.Error.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Error code. */
            code: string;

            /** Error message. */
            message: string;

            /**
             * Creates a new Error instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Error instance
             */
            static create(properties: tessera.v1.Error.$Shape): tessera.v1.Error & tessera.v1.Error.$Shape;
            static create(properties?: tessera.v1.Error.$Properties): tessera.v1.Error;

            /**
             * Encodes the specified Error message. Does not implicitly {@link tessera.v1.Error.verify|verify} messages.
             * @param message Error message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tessera.v1.Error.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Encodes the specified Error message, length delimited. Does not implicitly {@link tessera.v1.Error.verify|verify} messages.
             * @param message Error message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encodeDelimited(message: tessera.v1.Error.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Error message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tessera.v1.Error & tessera.v1.Error.$Shape} Error
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tessera.v1.Error & tessera.v1.Error.$Shape;

            /**
             * Decodes an Error message from the specified reader or buffer, length delimited.
             * @param reader Reader or buffer to decode from
             * @returns {tessera.v1.Error & tessera.v1.Error.$Shape} Error
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): tessera.v1.Error & tessera.v1.Error.$Shape;

            /**
             * Verifies an Error message.
             * @param message Plain object to verify
             * @returns `null` if valid, otherwise the reason why it is not
             */
            static verify(message: { [k: string]: any }): (string|null);

            /**
             * Creates an Error message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns Error
             */
            static fromObject(object: { [k: string]: any }): tessera.v1.Error;

            /**
             * Creates a plain object from an Error message. Also converts values to other types if specified.
             * @param message Error
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: tessera.v1.Error, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this Error to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };

            /**
             * Gets the type url for Error
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Error {

            /** Properties of an Error. */
            interface $Properties {

                /** Error code */
                code?: (string|null);

                /** Error message */
                message?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Error. */
            type $Shape = tessera.v1.Error.$Properties;
        }

        /**
         * Properties of an ArrayReply.
         * @deprecated Use tessera.v1.ArrayReply.$Properties instead.
         */
        interface IArrayReply extends tessera.v1.ArrayReply.$Properties {
        }

        /** Represents an ArrayReply. */
        class ArrayReply {

            /**
             * Constructs a new ArrayReply.
             * @param [properties] Properties to set
             */
            constructor(properties?: tessera.v1.ArrayReply.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ArrayReply items. */
            items: tessera.v1.Reply.$Properties[];

            /**
             * Creates a new ArrayReply instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ArrayReply instance
             */
            static create(properties: tessera.v1.ArrayReply.$Shape): tessera.v1.ArrayReply & tessera.v1.ArrayReply.$Shape;
            static create(properties?: tessera.v1.ArrayReply.$Properties): tessera.v1.ArrayReply;

            /**
             * Encodes the specified ArrayReply message. Does not implicitly {@link tessera.v1.ArrayReply.verify|verify} messages.
             * @param message ArrayReply message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tessera.v1.ArrayReply.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Encodes the specified ArrayReply message, length delimited. Does not implicitly {@link tessera.v1.ArrayReply.verify|verify} messages.
             * @param message ArrayReply message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encodeDelimited(message: tessera.v1.ArrayReply.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an ArrayReply message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tessera.v1.ArrayReply & tessera.v1.ArrayReply.$Shape} ArrayReply
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tessera.v1.ArrayReply & tessera.v1.ArrayReply.$Shape;

            /**
             * Decodes an ArrayReply message from the specified reader or buffer, length delimited.
             * @param reader Reader or buffer to decode from
             * @returns {tessera.v1.ArrayReply & tessera.v1.ArrayReply.$Shape} ArrayReply
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): tessera.v1.ArrayReply & tessera.v1.ArrayReply.$Shape;

            /**
             * Verifies an ArrayReply message.
             * @param message Plain object to verify
             * @returns `null` if valid, otherwise the reason why it is not
             */
            static verify(message: { [k: string]: any }): (string|null);

            /**
             * Creates an ArrayReply message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns ArrayReply
             */
            static fromObject(object: { [k: string]: any }): tessera.v1.ArrayReply;

            /**
             * Creates a plain object from an ArrayReply message. Also converts values to other types if specified.
             * @param message ArrayReply
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: tessera.v1.ArrayReply, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this ArrayReply to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };

            /**
             * Gets the type url for ArrayReply
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace ArrayReply {

            /** Properties of an ArrayReply. */
            interface $Properties {

                /** ArrayReply items */
                items?: (tessera.v1.Reply.$Properties[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an ArrayReply. */
            type $Shape = {
              items?: tessera.v1.Reply.$Shape[]|null;
              $unknowns?: Uint8Array[];
            };
        }

        /**
         * Properties of a Reply.
         * @deprecated Use tessera.v1.Reply.$Properties instead.
         */
        interface IReply extends tessera.v1.Reply.$Properties {
        }

        /** Represents a Reply. */
        class Reply {

            /**
             * Constructs a new Reply.
             * @param [properties] Properties to set
             */
            constructor(properties?: tessera.v1.Reply.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Reply id. */
            id: number;

            /** Reply ok. */
            ok?: (tessera.v1.Ok.$Properties|null);

            /** Reply nil. */
            nil?: (tessera.v1.Nil.$Properties|null);

            /** Reply integer. */
            integer?: (number|Long|null);

            /** Reply bulk. */
            bulk?: (Uint8Array|null);

            /** Reply array. */
            array?: (tessera.v1.ArrayReply.$Properties|null);

            /** Reply error. */
            error?: (tessera.v1.Error.$Properties|null);

            /** Reply status. */
            status?: (string|null);

            /** Reply push. */
            push: boolean;

            /** Reply value. */
            value?: ("ok"|"nil"|"integer"|"bulk"|"array"|"error"|"status");

            /**
             * Creates a new Reply instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Reply instance
             */
            static create(properties: tessera.v1.Reply.$Shape): tessera.v1.Reply & tessera.v1.Reply.$Shape;
            static create(properties?: tessera.v1.Reply.$Properties): tessera.v1.Reply;

            /**
             * Encodes the specified Reply message. Does not implicitly {@link tessera.v1.Reply.verify|verify} messages.
             * @param message Reply message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: tessera.v1.Reply.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Encodes the specified Reply message, length delimited. Does not implicitly {@link tessera.v1.Reply.verify|verify} messages.
             * @param message Reply message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encodeDelimited(message: tessera.v1.Reply.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Reply message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {tessera.v1.Reply & tessera.v1.Reply.$Shape} Reply
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tessera.v1.Reply & tessera.v1.Reply.$Shape;

            /**
             * Decodes a Reply message from the specified reader or buffer, length delimited.
             * @param reader Reader or buffer to decode from
             * @returns {tessera.v1.Reply & tessera.v1.Reply.$Shape} Reply
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): tessera.v1.Reply & tessera.v1.Reply.$Shape;

            /**
             * Verifies a Reply message.
             * @param message Plain object to verify
             * @returns `null` if valid, otherwise the reason why it is not
             */
            static verify(message: { [k: string]: any }): (string|null);

            /**
             * Creates a Reply message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns Reply
             */
            static fromObject(object: { [k: string]: any }): tessera.v1.Reply;

            /**
             * Creates a plain object from a Reply message. Also converts values to other types if specified.
             * @param message Reply
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: tessera.v1.Reply, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this Reply to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };

            /**
             * Gets the type url for Reply
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Reply {

            /** Properties of a Reply. */
            interface $Properties {

                /** Reply id */
                id?: (number|null);

                /** Reply ok */
                ok?: (tessera.v1.Ok.$Properties|null);

                /** Reply nil */
                nil?: (tessera.v1.Nil.$Properties|null);

                /** Reply integer */
                integer?: (number|Long|null);

                /** Reply bulk */
                bulk?: (Uint8Array|null);

                /** Reply array */
                array?: (tessera.v1.ArrayReply.$Properties|null);

                /** Reply error */
                error?: (tessera.v1.Error.$Properties|null);

                /** Reply status */
                status?: (string|null);

                /** Reply push */
                push?: (boolean|null);

                /** Reply value */
                value?: ("ok"|"nil"|"integer"|"bulk"|"array"|"error"|"status");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of a Reply. */
            type $Shape = {
              id?: number|null;
              ok?: tessera.v1.Ok.$Shape|null;
              nil?: tessera.v1.Nil.$Shape|null;
              integer?: number|Long|null;
              bulk?: Uint8Array|null;
              array?: tessera.v1.ArrayReply.$Shape|null;
              error?: tessera.v1.Error.$Shape|null;
              status?: string|null;
              push?: boolean|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ value?: undefined; ok?: null; nil?: null; integer?: null; bulk?: null; array?: null; error?: null; status?: null }|{ value?: "ok"; ok: tessera.v1.Ok.$Shape; nil?: null; integer?: null; bulk?: null; array?: null; error?: null; status?: null }|{ value?: "nil"; ok?: null; nil: tessera.v1.Nil.$Shape; integer?: null; bulk?: null; array?: null; error?: null; status?: null }|{ value?: "integer"; ok?: null; nil?: null; integer: number|Long; bulk?: null; array?: null; error?: null; status?: null }|{ value?: "bulk"; ok?: null; nil?: null; integer?: null; bulk: Uint8Array; array?: null; error?: null; status?: null }|{ value?: "array"; ok?: null; nil?: null; integer?: null; bulk?: null; array: tessera.v1.ArrayReply.$Shape; error?: null; status?: null }|{ value?: "error"; ok?: null; nil?: null; integer?: null; bulk?: null; array?: null; error: tessera.v1.Error.$Shape; status?: null }|{ value?: "status"; ok?: null; nil?: null; integer?: null; bulk?: null; array?: null; error?: null; status: string })
            );
        }
    }
}
