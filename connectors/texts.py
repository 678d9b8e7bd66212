"""Replies the connectors send on their own (everything else comes from the Rasa domain)."""

TEXT_ONLY = (
    "Dạ, hiện trợ lý chỉ đọc được tin nhắn chữ. Quý phụ huynh và các em vui lòng gõ câu hỏi "
    "bằng chữ giúp trợ lý nhé. Ảnh, tệp và tin thoại cũng không chuyển được tới thầy cô qua trợ lý; "
    "lời nhắn cho thầy cô xin gõ bằng chữ."
)
BUTTON_EXPIRED = (
    "Dạ, lựa chọn này đã hết hạn. Quý phụ huynh vui lòng gõ lại câu hỏi giúp trợ lý nhé."
)
ASSISTANT_BUSY = (
    "Dạ, trợ lý đang bận một chút. Quý phụ huynh vui lòng nhắn lại sau ít phút nhé."
)
CHOOSE_BY_NUMBER = "Dạ, Quý phụ huynh trả lời bằng số thứ tự (ví dụ: 1) để chọn ạ."
PRIVATE_CHAT_ONLY = (
    "Dạ, để giữ kín thông tin của các con, em chỉ trả lời khi được nhắn riêng ạ. "
    "Quý phụ huynh và các em vui lòng nhắn tin riêng cho em nhé."
)
PRIVATE_CHAT_BUTTON = "Nhắn riêng cho trợ lý"
_MESSAGE_TOO_LONG = (
    "Dạ, tin nhắn dài quá nên em chưa đọc được ạ. Quý phụ huynh vui lòng gửi ngắn gọn hơn "
    "(tối đa {limit} ký tự) hoặc chia thành vài tin nhắn giúp em nhé."
)


def message_too_long(limit: int) -> str:
    """The reply to a message over ``limit`` characters (the number written as 2.000)."""
    return _MESSAGE_TOO_LONG.format(limit=f"{limit:,}".replace(",", "."))
